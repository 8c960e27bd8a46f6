/**
 * Each action's README.md, generated from its action.yml: what it does, its inputs and outputs
 * as tables. `npm run docs` writes them; tests/actions/action-docs.test.ts fails when one is stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { actionNames } from "./action-names.mjs";

interface ActionYml {
  name: string;
  description: string;
  inputs?: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs?: Record<string, { description: string }>;
}

const root = resolve(import.meta.dirname, "..");
const cell = (text: string) => text.replace(/\s+/g, " ").trim().replaceAll("|", "\\|");
const code = (text: string) => (text === "" ? "" : `\`${text.replaceAll("|", "\\|")}\``);

export function renderActionReadme(name: string): string {
  const action = parse(readFileSync(join(root, "actions", name, "action.yml"), "utf8")) as ActionYml;
  const inputs = Object.entries(action.inputs ?? {});
  const outputs = Object.entries(action.outputs ?? {});
  const lines = [
    `# ${action.name}`,
    "",
    "<!-- Generated from action.yml by `npm run docs`; edit action.yml, not this file. -->",
    "",
    cell(action.description),
    "",
    "```yaml",
    `- uses: garde-dev/garde/actions/${name}@main # pin a commit SHA for reproducible runs`,
    "```",
    "",
    "## Inputs",
    "",
    ...(inputs.length
      ? [
          "| Input | Required | Default | Description |",
          "| --- | --- | --- | --- |",
          ...inputs.map(
            ([key, i]) =>
              `| \`${key}\` | ${i.required ? "yes" : "no"} | ${code(String(i.default ?? ""))} | ${cell(i.description)} |`,
          ),
        ]
      : ["None."]),
    "",
    "## Outputs",
    "",
    ...(outputs.length
      ? [
          "| Output | Description |",
          "| --- | --- |",
          ...outputs.map(([key, o]) => `| \`${key}\` | ${cell(o.description)} |`),
        ]
      : ["None."]),
    "",
  ];
  return lines.join("\n");
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  for (const name of actionNames()) {
    writeFileSync(join(root, "actions", name, "README.md"), renderActionReadme(name));
    console.log(`actions/${name}/README.md`);
  }
}
