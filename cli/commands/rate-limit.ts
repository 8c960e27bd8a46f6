import { type Command, noPositionals, stringFlag } from "../context.ts";
import { KUBERNETES_FLAGS } from "../kubernetes-flags.ts";

export const rateLimitCommand: Command = {
  name: "rate-limit",
  args: "LIMIT",
  summary: "Set the app's rate limit in its ConfigMap, restarting the pods that read it at start.",
  details: [
    "A merge patch of one key (rate-limits/global by default), recorded on the ConfigMap; then a rollout restart of the Deployment unless --reloads says its pods re-read the ConfigMap themselves. The same value again changes nothing.",
  ],
  flags: [
    ...KUBERNETES_FLAGS,
    {
      name: "config-map",
      kind: "string",
      value: "NAME",
      description: "The ConfigMap (default rate-limits).",
    },
    { name: "key", kind: "string", value: "KEY", description: "The key holding the limit (default global)." },
    { name: "reloads", kind: "boolean", description: "The pods re-read the ConfigMap: do not restart them." },
  ],
  examples: ['garde rate-limit 100 --reason "credential stuffing from 3 ASNs"'],
  async run(args, ctx) {
    // Loaded here: the Kubernetes client is needed by these commands only.
    const { operationContext, printOutcome, workloadFrom } = await import("../kubernetes.ts");
    const { setRateLimit } = await import("../../actions/lib/operations/rate-limit.ts");
    noPositionals(this, args, 1);
    const limit = args.positionals[0] ?? "";
    const op = operationContext(args, ctx);
    const outcome = await setRateLimit(
      workloadFrom(args, ctx),
      limit,
      {
        configMap: stringFlag(args, "config-map") ?? "rate-limits",
        key: stringFlag(args, "key") ?? "global",
        reloads: args.values.reloads === true,
      },
      op,
    );
    return printOutcome(args, ctx, outcome);
  },
};
