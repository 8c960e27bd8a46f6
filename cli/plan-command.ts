import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../actions/lib/errors.ts";
import { formatPlan, planJson, planStacks } from "../infra/plan.ts";
import { readStackFile } from "../infra/stack-file.ts";

/** Where the stacks are: Pulumi.<stack>.yaml beside Pulumi.yaml. */
function projectRoot(cwd: string): string {
  for (let dir = resolve(cwd); ; dir = resolve(dir, "..")) {
    if (existsSync(join(dir, "Pulumi.yaml"))) return dir;
    if (resolve(dir, "..") === dir)
      throw new InputError(
        "stack",
        "No Pulumi.yaml here or above: run garde plan inside the project, or give --file",
      );
  }
}

function stackFilesIn(dir: string) {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => readStackFile(join(dir, f)));
}

function stackFiles(opts: {
  cwd: string;
  stack?: string | undefined;
  all?: boolean | undefined;
  file?: string | undefined;
  dir?: string | undefined;
}) {
  const chosen = [opts.stack, opts.file, opts.dir].filter(Boolean).length + (opts.all ? 1 : 0);
  if (chosen > 1) throw new InputError("stack", "Give one of --stack, --all, --file or --dir");
  if (opts.file) return [readStackFile(resolve(opts.cwd, opts.file))];
  if (opts.dir) {
    const dir = resolve(opts.cwd, opts.dir);
    if (!existsSync(dir)) throw new InputError("dir", `No directory ${opts.dir} (looked for ${dir})`);
    const files = stackFilesIn(dir);
    if (!files.length) throw new InputError("dir", `No .yaml stack files in ${opts.dir}`);
    return files;
  }
  const root = projectRoot(opts.cwd);
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
  const project = stacks.map((s) => readStackFile(join(root, `Pulumi.${s}.yaml`), s));
  const examples = join(root, "examples");
  return opts.all && existsSync(examples) ? [...project, ...stackFilesIn(examples)] : project;
}

export async function runPlan(opts: {
  cwd: string;
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
