import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../actions/lib/errors.ts";
import { formatPlan, mandatoryViolations, planJson, planStacks, validatedConfig } from "../infra/plan.ts";
import { policyPackConfig } from "../infra/policy-config.ts";
import { readStackFile, type StackFile } from "../infra/stack-file.ts";

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

function stackFilesIn(dir: string, given: string) {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOTDIR"
        ? "is a file, not a directory (use --file for one stack)"
        : `cannot be read (${code})`;
    throw new InputError("dir", `${given} ${why}: ${dir}`);
  }
  return names
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
    const files = stackFilesIn(dir, opts.dir);
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
  return opts.all && existsSync(examples) ? [...project, ...stackFilesIn(examples, "examples/")] : project;
}

export interface PlanOptions {
  cwd: string;
  stack?: string | undefined;
  all?: boolean | undefined;
  file?: string | undefined;
  dir?: string | undefined;
  json?: boolean | undefined;
  policyPackConfig?: boolean | undefined;
}

/** The plan's text or JSON, and its exit code: 1 when a stack breaks a mandatory policy. */
export async function runPlan(opts: PlanOptions): Promise<{ output: string; exitCode: number }> {
  const files = stackFiles(opts);
  if (opts.policyPackConfig) {
    if (files.length !== 1)
      throw new InputError(
        "policy-pack-config",
        `prints one stack's pack config; ${files.length} stacks were chosen: give --stack NAME or --file FILE`,
      );
    const config = policyPackConfig(validatedConfig(files[0] as StackFile));
    return { output: `${JSON.stringify(config, null, 2)}\n`, exitCode: 0 };
  }
  const plans = await planStacks(files);
  const exitCode = mandatoryViolations(plans).length ? 1 : 0;
  if (opts.json) return { output: planJson(plans), exitCode };
  return { output: `${plans.map(formatPlan).join("\n\n")}\n`, exitCode };
}
