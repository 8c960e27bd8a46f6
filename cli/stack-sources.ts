import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../actions/lib/errors.ts";
import { stackNameOf } from "../infra/stack-file.ts";

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

/** A stack file to read: where it is and the stack it holds. */
export interface StackSource {
  path: string;
  stack: string;
}

function stackSourcesIn(dir: string, given: string): StackSource[] {
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
    .map((f) => ({ path: join(dir, f), stack: stackNameOf(f) }));
}

export interface StackSelection {
  cwd: string;
  stack?: string | undefined;
  all?: boolean | undefined;
  file?: string | undefined;
  dir?: string | undefined;
}

/**
 * The stack files a selection names. `atBase` reads the same selection in a base revision's
 * tree, where a stack, file or directory missing is not an error but a stack the head adds.
 */
export function stackSources(opts: StackSelection, atBase = false): StackSource[] {
  const chosen = [opts.stack, opts.file, opts.dir].filter(Boolean).length + (opts.all ? 1 : 0);
  if (chosen > 1) throw new InputError("stack", "Give one of --stack, --all, --file or --dir");
  if (opts.file) {
    const path = resolve(opts.cwd, opts.file);
    return atBase && !existsSync(path) ? [] : [{ path, stack: stackNameOf(path) }];
  }
  if (opts.dir) {
    const dir = resolve(opts.cwd, opts.dir);
    if (!existsSync(dir)) {
      if (atBase) return [];
      throw new InputError("dir", `No directory ${opts.dir} (looked for ${dir})`);
    }
    const files = stackSourcesIn(dir, opts.dir);
    if (!files.length && !atBase) throw new InputError("dir", `No .yaml stack files in ${opts.dir}`);
    return files;
  }
  let root: string;
  try {
    root = projectRoot(opts.cwd);
  } catch (err) {
    // A project the head revision creates has no Pulumi.yaml at its base: every stack is new.
    if (atBase && InputError.is(err)) return [];
    throw err;
  }
  const stacks = readdirSync(root)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => Boolean(s))
    .sort();
  const sourceOf = (stack: string) => ({ path: join(root, `Pulumi.${stack}.yaml`), stack });
  if (opts.stack) {
    if (!stacks.includes(opts.stack)) {
      if (atBase) return [];
      throw new InputError(
        "stack",
        `No stack ${opts.stack}: this project has ${stacks.join(", ") || "none"} (Pulumi.<stack>.yaml)`,
      );
    }
    return [sourceOf(opts.stack)];
  }
  const project = stacks.map(sourceOf);
  const examples = join(root, "examples");
  return opts.all && existsSync(examples) ? [...project, ...stackSourcesIn(examples, "examples/")] : project;
}
