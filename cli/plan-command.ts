import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../actions/lib/errors.ts";
import { formatPlan, planJson, planStacks } from "../infra/plan.ts";
import { readStackFile } from "../infra/stack-file.ts";

/** Where the stacks are: Pulumi.<stack>.yaml beside Pulumi.yaml. */
function projectRoot(): string {
  for (let dir = process.cwd(); ; dir = resolve(dir, "..")) {
    if (existsSync(join(dir, "Pulumi.yaml"))) return dir;
    if (resolve(dir, "..") === dir)
      throw new InputError(
        "stack",
        "No Pulumi.yaml here or above: run garde plan inside the project, or give --file",
      );
  }
}

function stackFiles(opts: {
  stack?: string | undefined;
  all?: boolean | undefined;
  file?: string | undefined;
  dir?: string | undefined;
}) {
  const chosen = [opts.stack, opts.file, opts.dir].filter(Boolean).length + (opts.all ? 1 : 0);
  if (chosen > 1) throw new InputError("stack", "Give one of --stack, --all, --file or --dir");
  if (opts.file) return [readStackFile(opts.file)];
  if (opts.dir) {
    const files = readdirSync(opts.dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
    if (!files.length) throw new InputError("dir", `No .yaml stack files in ${opts.dir}`);
    return files.map((f) => readStackFile(join(opts.dir as string, f)));
  }
  const root = projectRoot();
  const stacks = readdirSync(root)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => Boolean(s))
    .sort();
  if (opts.stack) {
    if (!stacks.includes(opts.stack)) {
      throw new InputError(
        "stack",
        `No stack ${opts.stack}: this project has ${stacks.join(", ") || "none"} (Pulumi.<stack>.yaml)`,
      );
    }
    return [readStackFile(join(root, `Pulumi.${opts.stack}.yaml`), opts.stack)];
  }
  return stacks.map((s) => readStackFile(join(root, `Pulumi.${s}.yaml`), s));
}

export async function runPlan(opts: {
  stack?: string | undefined;
  all?: boolean | undefined;
  file?: string | undefined;
  dir?: string | undefined;
  json?: boolean | undefined;
}): Promise<string> {
  const plans = await planStacks(stackFiles(opts));
  if (opts.json) return planJson(plans);
  return `${plans.map(formatPlan).join("\n\n")}\n`;
}
