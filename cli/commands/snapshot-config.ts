import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { type Command, noPositionals, stringFlag } from "../context.ts";
import { KUBERNETES_FLAGS } from "../kubernetes-flags.ts";

export const snapshotConfigCommand: Command = {
  name: "snapshot-config",
  summary: "Save the namespace's ConfigMaps, and its Secrets' names and keys (never values), as YAML.",
  flags: [
    ...KUBERNETES_FLAGS.filter((f) => f.name !== "reason" && f.name !== "json"),
    { name: "out", kind: "string", value: "FILE", description: "Where to write (default: stdout)." },
  ],
  examples: ["garde snapshot-config --out configs-$(date +%F).yaml"],
  async run(args, ctx) {
    // Loaded here: the Kubernetes client is needed by these commands only.
    const { workloadFrom } = await import("../kubernetes.ts");
    const { snapshotConfig } = await import("../../actions/lib/operations/snapshot.ts");
    noPositionals(this, args);
    const snapshot = await snapshotConfig(workloadFrom(args, ctx), new Date());
    const out = stringFlag(args, "out");
    if (!out) {
      ctx.stdout(snapshot.yaml);
      return 0;
    }
    writeFileSync(resolve(ctx.cwd, out), snapshot.yaml);
    ctx.reporter.info(
      `${snapshot.configMaps} ConfigMaps and ${snapshot.secrets} Secret names written to ${out}`,
    );
    return 0;
  },
};
