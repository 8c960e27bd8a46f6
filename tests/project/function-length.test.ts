import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const LIMIT = 80;

/** Functions over the limit: "file:line name (N lines)". A pipeline's top reads as its runbook. */
function longFunctions(files: readonly string[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const source = ts.createSourceFile(
      file,
      readFileSync(resolve(root, file), "utf8"),
      ts.ScriptTarget.Latest,
      true,
    );
    const visit = (node: ts.Node) => {
      if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body) {
        const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
        const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        const lines = last - first + 1;
        if (lines > LIMIT) {
          const named =
            (node as ts.FunctionDeclaration).name?.getText() ?? node.parent?.getText().slice(0, 40);
          out.push(`${file}:${first + 1} ${named} (${lines} lines)`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}

describe("functions fit a screen", () => {
  it(`no function in actions/, cli/, infra/ or sandbox/ is over ${LIMIT} lines`, () => {
    const files = execFileSync(
      "git",
      ["ls-files", "actions/*.ts", "cli/*.ts", "infra/*.ts", "sandbox/*.ts"],
      {
        cwd: root,
        encoding: "utf8",
      },
    )
      .split("\n")
      .filter((f) => f && !f.includes("/dist/"));
    expect(files.length).toBeGreaterThan(150);
    expect(longFunctions(files)).toEqual([]);
  });
});
