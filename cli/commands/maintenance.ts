import { InputError } from "../../actions/lib/errors.ts";
import { type Command, stringFlag } from "../context.ts";
import { KUBERNETES_FLAGS } from "../kubernetes-flags.ts";

export const maintenanceCommand: Command = {
  name: "maintenance",
  args: "on|off",
  summary: "Turn the app's read-only mode on or off on Kubernetes and wait for the rollout.",
  details: [
    "Sets the variable (READ_ONLY_MODE) on the Deployment's container, records who, why and when on it, and waits for the pods to roll. Already so: nothing is written and nothing rolls.",
  ],
  flags: [
    ...KUBERNETES_FLAGS,
    {
      name: "variable",
      kind: "string",
      value: "NAME",
      description: "The variable the app reads (default READ_ONLY_MODE).",
    },
    {
      name: "container",
      kind: "string",
      value: "NAME",
      description: "The container that reads it (default: the first).",
    },
  ],
  examples: [
    'garde maintenance on --reason "Firestore incident: writes off"',
    'garde maintenance off --reason "Firestore back"',
  ],
  async run(args, ctx) {
    // Loaded here: the Kubernetes client is needed by these commands only.
    const { operationContext, printOutcome, workloadFrom } = await import("../kubernetes.ts");
    const { setMaintenance } = await import("../../actions/lib/operations/maintenance.ts");
    const [state, ...extra] = args.positionals;
    if ((state !== "on" && state !== "off") || extra.length) {
      throw new InputError(
        "state",
        `garde maintenance takes on or off, got ${JSON.stringify(args.positionals.join(" "))}`,
      );
    }
    const op = operationContext(args, ctx);
    const outcome = await setMaintenance(
      workloadFrom(args, ctx),
      state === "on",
      {
        variable: stringFlag(args, "variable") ?? "READ_ONLY_MODE",
        container: stringFlag(args, "container"),
      },
      op,
    );
    return printOutcome(args, ctx, outcome);
  },
};
