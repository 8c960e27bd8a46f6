/**
 * The cluster commands' shared door (loaded only when one runs: @kubernetes/client-node is heavy):
 * the workload from the kubeconfig, who and why, the printed outcome.
 */
import { existsSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import { InputError } from "../actions/lib/errors.ts";
import type { OperationContext, OperationOutcome } from "../actions/lib/operations/record.ts";
import { operationRows } from "../actions/lib/operations/record.ts";
import { systemClock } from "../actions/lib/reporter.ts";
import { formatTable } from "../actions/lib/smoke/report.ts";
import { KubernetesWorkload } from "../actions/lib/targets/kubernetes-workload.ts";
import { type CliContext, kubeconfigFile, stringFlag } from "./context.ts";
import type { ParsedArgs } from "./flags.ts";
import { readProjectSettings } from "./project-settings.ts";

const text = stringFlag;

/** The cluster and workload a command acts on, from flags, KUBECONFIG and the kubeconfig's context. */
export function workloadFrom(args: ParsedArgs, ctx: CliContext): KubernetesWorkload {
  const settings = readProjectSettings(ctx.cwd);
  const file = kubeconfigFile(ctx, text(args, "kubeconfig") ?? ctx.env.KUBECONFIG ?? settings.kubeconfig);
  if (!existsSync(file)) {
    throw new InputError("kubeconfig", `no kubeconfig at ${file}; give --kubeconfig FILE or set KUBECONFIG`);
  }
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromFile(file);
  } catch (err) {
    throw new InputError(
      "kubeconfig",
      `${file} is not a kubeconfig kubectl could read: ${(err as Error).message}`,
    );
  }
  const contextNamespace = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
  const namespace = text(args, "namespace") ?? settings["kubernetes-namespace"] ?? contextNamespace;
  if (!namespace)
    throw new InputError(
      "namespace",
      "no namespace: give --namespace NS or set one in the kubeconfig context",
    );
  return new KubernetesWorkload({
    kubeConfig,
    namespace,
    deployment: text(args, "deployment") ?? settings["kubernetes-deployment"] ?? "api-server",
    clock: systemClock,
    reporter: ctx.reporter,
  });
}

/** Who and why: the reason is required, the actor is the runner's or the shell's user. */
export function operationContext(args: ParsedArgs, ctx: CliContext): OperationContext {
  const reason = text(args, "reason")?.trim();
  if (!reason)
    throw new InputError(
      "reason",
      'say why with --reason "…": it is recorded on the object and in the summary',
    );
  return { actor: ctx.env.GITHUB_ACTOR ?? ctx.env.USER ?? "unknown", reason, now: new Date() };
}

export function printOutcome(args: ParsedArgs, ctx: CliContext, outcome: OperationOutcome): number {
  if (args.values.json) ctx.stdout(`${JSON.stringify(outcome, null, 2)}\n`);
  else ctx.stdout(`${formatTable(operationRows(outcome))}\n`);
  return 0;
}
