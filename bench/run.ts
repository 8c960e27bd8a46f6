/** `npm run bench`: every benchmark, each printing ratios against a peer measured in the same run. */
import { benchDeployColdStart } from "./deploy-cold-start.ts";
import { benchPlan } from "./plan.ts";
import { benchRollback } from "./rollback.ts";
import { benchRotation } from "./rotation.ts";
import { benchSmokeLoad } from "./smoke-load.ts";

console.log("== deploy action cold start ==");
await benchDeployColdStart();
console.log("\n== smoke-test load phase vs autocannon ==");
await benchSmokeLoad();
console.log("\n== auto-rollback ==");
await benchRollback();
console.log("\n== garde plan ==");
await benchPlan();
console.log("\n== key rotation under load ==");
await benchRotation();
