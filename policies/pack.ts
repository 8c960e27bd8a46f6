// garde's policy pack: `pulumi preview --policy-pack policies --policy-pack-config <(garde plan
// --stack NAME --policy-pack-config)`. Constructing the PolicyPack starts the analyzer's gRPC
// server, so nothing but the Pulumi engine loads this module: garde plan and the tests run
// policies/all.ts through policies/local-analyzer.ts instead.
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./all.ts";

new PolicyPack("garde", {
  policies: POLICIES,
  // Without a per-stack config every policy blocks: a pack that fails closed. garde plan
  // --policy-pack-config gives each stack its levels (advisory outside prod).
  enforcementLevel: "mandatory",
  description:
    "garde's guardrails: backups proven, secrets sensitive and rotated, alerts routed, workloads hardened, OIDC only.",
  displayName: "garde",
  provider: "gcp",
  tags: ["gcp", "kubernetes", "vercel", "backups", "secrets"],
});
