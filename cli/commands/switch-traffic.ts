import { type Command, noPositionals, stringFlag } from "../context.ts";
import { KUBERNETES_FLAGS } from "../kubernetes-flags.ts";

export const switchTrafficCommand: Command = {
  name: "switch-traffic",
  args: "VERSION",
  summary: "Point the gateway Service at another version's pods, refusing when none is ready.",
  details: ["Patches the Service's selector label (version by default), recorded on the Service."],
  flags: [
    ...KUBERNETES_FLAGS,
    { name: "service", kind: "string", value: "NAME", description: "The Service (default api-gateway)." },
    {
      name: "label",
      kind: "string",
      value: "KEY",
      description: "The selector label naming a version (default version).",
    },
  ],
  examples: ['garde switch-traffic v2 --reason "v2 validated in canary"'],
  async run(args, ctx) {
    // Loaded here: the Kubernetes client is needed by these commands only.
    const { operationContext, printOutcome, workloadFrom } = await import("../kubernetes.ts");
    const { switchTraffic } = await import("../../actions/lib/operations/switch-traffic.ts");
    noPositionals(this, args, 1);
    const op = operationContext(args, ctx);
    const outcome = await switchTraffic(
      workloadFrom(args, ctx),
      args.positionals[0] ?? "",
      {
        service: stringFlag(args, "service") ?? "api-gateway",
        label: stringFlag(args, "label") ?? "version",
      },
      op,
    );
    return printOutcome(args, ctx, outcome);
  },
};
