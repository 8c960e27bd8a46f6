// The actions of this repository: each folder of actions/ with an action.yml, sorted. The bundler,
// the README generator and the tests all walk this list.
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const actionsDir = resolve(import.meta.dirname, "..", "actions");

/** @returns {string[]} */
export function actionNames() {
  return readdirSync(actionsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(actionsDir, d.name, "action.yml")))
    .map((d) => d.name)
    .sort();
}
