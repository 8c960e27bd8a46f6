import * as z from "zod";
import { parseInputs, type RawInputs } from "../inputs.ts";
import { type KubernetesAccess, kubernetesAccess, platformInputShape } from "../platform-inputs.ts";

export const OPERATIONS = ["maintenance", "rate-limit", "switch-traffic", "snapshot-config"] as const;
export type OperationName = (typeof OPERATIONS)[number];

const name = (what: string) =>
  z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: `must be a Kubernetes ${what} name` });

/** The kubernetes action's inputs: one runbook switch per run, on the cluster the kubeconfig names. */
export const operationInputsSchema = z
  .object({
    operation: z.enum(OPERATIONS, { error: `must be one of ${OPERATIONS.join(", ")}` }),
    value: z.string().optional(),
    reason: z.string().max(300, { error: "must be at most 300 characters" }).optional(),
    kubeconfig: platformInputShape.kubeconfig,
    "kubernetes-namespace": platformInputShape["kubernetes-namespace"],
    "kubernetes-deployment": platformInputShape["kubernetes-deployment"].default("api-server"),
    "kubernetes-service": platformInputShape["kubernetes-service"].default("api-gateway"),
    "kubernetes-container": platformInputShape["kubernetes-container"],
    variable: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "must be an environment variable name" })
      .default("READ_ONLY_MODE"),
    "config-map": name("ConfigMap").default("rate-limits"),
    key: z
      .string()
      .regex(/^[-._a-zA-Z0-9]+$/, { error: "must be a ConfigMap key" })
      .default("global"),
    reloads: z
      .enum(["true", "false"], { error: "must be true or false" })
      .transform((v) => v === "true")
      .default(false),
    label: z.string().min(1).default("version"),
    out: z.string().optional(),
  })
  .strict()
  .superRefine((i, ctx) => {
    const need = (field: "value" | "reason", message: string) => {
      if (!i[field]) ctx.addIssue({ code: "custom", path: [field], message });
    };
    if (i.operation === "maintenance" && i.value !== "on" && i.value !== "off") {
      ctx.addIssue({ code: "custom", path: ["value"], message: "must be on or off for maintenance" });
    }
    if (i.operation === "rate-limit") need("value", "is required: the limit to set, e.g. 100");
    if (i.operation === "switch-traffic")
      need("value", "is required: the version to send traffic to, e.g. v2");
    if (i.operation !== "snapshot-config") {
      need("reason", "is required: why, recorded on the object and in the summary");
    }
  });

export type OperationInputs = z.output<typeof operationInputsSchema>;

export interface OperationConfig {
  inputs: OperationInputs;
  access: KubernetesAccess;
}

export function parseOperationInputs(raw: RawInputs): OperationConfig {
  const inputs = parseInputs(operationInputsSchema, raw, "kubernetes inputs");
  return {
    inputs,
    access: kubernetesAccess(inputs, "kubernetes inputs", "by the kubernetes action"),
  };
}
