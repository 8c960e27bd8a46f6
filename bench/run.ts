/**
 * `npm run bench`: every benchmark, each printing ratios against a peer measured in the same run.
 * `npm run bench -- backup plan` runs only those named.
 */
import { freshCompiledCli } from "../bin/compiled-cli.js";
import { buildCli } from "../scripts/build-cli.mjs";
import { benchBackup } from "./backup.ts";
import { benchDeployColdStart } from "./deploy-cold-start.ts";
import { benchPlan } from "./plan.ts";
import { benchPlanDiff } from "./plan-diff.ts";
import { benchRollback } from "./rollback.ts";
import { benchRotation } from "./rotation.ts";
import { benchSmokeLoad } from "./smoke-load.ts";

const BENCHES: [name: string, title: string, run: () => Promise<void>][] = [
  ["deploy", "deploy action cold start", benchDeployColdStart],
  ["smoke", "smoke-test load phase vs autocannon", benchSmokeLoad],
  ["rollback", "auto-rollback", benchRollback],
  ["plan", "garde plan", benchPlan],
  ["plan-diff", "garde plan --diff BASE vs garde plan", benchPlanDiff],
  ["rotation", "key rotation under load", benchRotation],
  ["backup", "backup + restore drill vs pg_dump | pg_restore", benchBackup],
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !BENCHES.some(([name]) => name === w));
if (unknown.length) {
  console.error(`Unknown benchmark ${unknown.join(", ")}; known: ${BENCHES.map(([n]) => n).join(", ")}`);
  process.exit(2);
}
// The benches run garde as an installed copy runs it: compiled (npm install builds cli/dist).
if (!freshCompiledCli()) {
  console.log("(compiling the CLI first: cli/dist is missing or older than its sources)");
  await buildCli();
}
for (const [name, title, run] of BENCHES) {
  if (wanted.length && !wanted.includes(name)) continue;
  console.log(`\n== ${title} ==`);
  await run();
}
