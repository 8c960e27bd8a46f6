import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { backupInputsSchema } from "../../actions/lib/backup/inputs.ts";
import { deployInputsSchema } from "../../actions/lib/deploy/config.ts";
import { operationInputsSchema } from "../../actions/lib/operations/inputs.ts";
import { reviewInputsSchema } from "../../actions/lib/review/inputs.ts";
import { rollbackInputsSchema } from "../../actions/lib/rollback/config.ts";
import { rotateInputsSchema } from "../../actions/lib/rotation/inputs.ts";
import { renderActionReadme } from "../../scripts/action-docs.ts";
import { actionNames } from "../../scripts/action-names.mjs";

/**
 * Each action.yml is the contract a workflow author reads: it must declare exactly what main.ts
 * reads and writes, and its README must be the one generated from it.
 */
const root = resolve(import.meta.dirname, "../..");
const SCHEMAS: Record<string, { shape: object }> = {
  deployInputsSchema,
  rollbackInputsSchema,
  rotateInputsSchema,
  backupInputsSchema,
  reviewInputsSchema,
  operationInputsSchema,
};
// Modules that build an action's outputs object for its main.ts to write.
const OUTPUT_MODULES: Record<string, string> = {
  backup: "actions/lib/backup/run.ts",
  "infra-review": "actions/lib/review/run.ts",
};

const read = (path: string) => readFileSync(join(root, path), "utf8");

function inputsRead(main: string): Set<string> {
  const names = new Set<string>();
  for (const [, schema] of main.matchAll(/Object\.keys\((\w+)\.shape\)/g)) {
    const found = SCHEMAS[schema as string];
    if (!found) throw new Error(`add ${schema} to SCHEMAS`);
    for (const key of Object.keys(found.shape)) names.add(key);
  }
  for (const [, name] of main.matchAll(/getInput\(\s*"([\w-]+)"/g)) names.add(name as string);
  return names;
}

function outputsWritten(name: string, main: string): Set<string> {
  // main.ts and the shared door helpers it imports (actions/shared) write outputs.
  const shared = [...main.matchAll(/from "\.\.\/shared\/([\w-]+\.ts)"/g)].map((m) =>
    read(`actions/shared/${m[1]}`),
  );
  const names = new Set(
    [main, ...shared].flatMap((text) =>
      [...text.matchAll(/setOutput\(\s*"([\w-]+)"/g)].map((m) => m[1] as string),
    ),
  );
  const module = OUTPUT_MODULES[name];
  if (module) {
    for (const [, block] of read(module).matchAll(/outputs: \{([^}]*)\}/g)) {
      for (const [, key] of (block as string).matchAll(/(?:^|[{,;])\s*"?([\w-]+)"?\s*:/g))
        names.add(key as string);
    }
  }
  return names;
}

describe.each(actionNames())("actions/%s", (name) => {
  const meta = parse(read(`actions/${name}/action.yml`)) as {
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
  };
  const main = read(`actions/${name}/main.ts`);

  it("declares exactly the inputs main.ts reads (bar those it takes from the runner's context)", () => {
    const declared = Object.keys(meta.inputs ?? {}).sort();
    const fromContext = new Set(
      [...main.matchAll(/raw(?:\.([\w]+)|\["([\w-]+)"\]) \|\|=/g)].map((m) => m[1] ?? m[2]),
    );
    const wanted = [...inputsRead(main)].filter((n) => !fromContext.has(n) || declared.includes(n)).sort();
    expect(declared, `read by main.ts: ${wanted.join(", ")}`).toEqual(wanted);
  });

  it("declares exactly the outputs it writes", () => {
    expect(Object.keys(meta.outputs ?? {}).sort()).toEqual(
      [...outputsWritten(name, main)].sort().filter(Boolean),
    );
  });

  it("has the README generated from its action.yml (npm run docs)", () => {
    expect(read(`actions/${name}/README.md`)).toBe(renderActionReadme(name));
  });
});
