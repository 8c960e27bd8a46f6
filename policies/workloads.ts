import { at } from "./props.ts";

/** Where each kind of workload keeps its pods' spec, and what its containers run. */

/** Kubernetes kinds that run pods, and the path of their pod spec. */
const POD_SPEC_PATHS: Record<string, string> = {
  "kubernetes:core/v1:Pod": "spec",
  "kubernetes:apps/v1:Deployment": "spec.template.spec",
  "kubernetes:apps/v1:StatefulSet": "spec.template.spec",
  "kubernetes:apps/v1:DaemonSet": "spec.template.spec",
  "kubernetes:apps/v1:ReplicaSet": "spec.template.spec",
  "kubernetes:batch/v1:Job": "spec.template.spec",
  "kubernetes:batch/v1:CronJob": "spec.jobTemplate.spec.template.spec",
};

/** Long-running kinds: the ones a probe and a disruption budget make sense for. */
export const SERVING_KINDS = new Set([
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:apps/v1:DaemonSet",
]);

export interface Container {
  name?: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: { name: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  securityContext?: { privileged?: boolean; runAsNonRoot?: boolean; runAsUser?: number };
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  volumes?: { name?: string; hostPath?: unknown }[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
}

export const isPodWorkload = (type: string) => type in POD_SPEC_PATHS;

export function podSpecOf(type: string, props: unknown): PodSpec | undefined {
  const path = POD_SPEC_PATHS[type];
  return path ? (at(props, path) as PodSpec | undefined) : undefined;
}

/** Every container of a pod spec, init containers included. */
export const allContainers = (spec: PodSpec | undefined): Container[] => [
  ...(spec?.initContainers ?? []),
  ...(spec?.containers ?? []),
];

/** The containers of any workload garde may schedule: Kubernetes kinds and Cloud Run jobs. */
export function containersOf(type: string, props: unknown): Container[] {
  if (type === "gcp:cloudrunv2/job:Job")
    return (at(props, "template.template.containers") as Container[] | undefined) ?? [];
  if (type === "gcp:cloudrunv2/service:Service")
    return (at(props, "template.containers") as Container[] | undefined) ?? [];
  return allContainers(podSpecOf(type, props));
}

/** What an image reference pins: a digest (never moves), a tag, or nothing (the registry's latest). */
export function imageReference(image: string): { digest: boolean; tag?: string | undefined } {
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return { digest: true };
  // The tag follows the last ":" of the last path segment; a registry's port comes before a "/".
  return { digest: false, tag: /:([\w.-]+)$/.exec(image.split("/").pop() ?? "")?.[1] };
}

export interface GardeJob {
  kind: "backup" | "drill";
  /** The backup store the job writes or reads (gs://bucket/prefix, file://…). */
  store: string;
}

/**
 * What a container runs when it is garde's backup or drill: `garde backup --store S` as the
 * image's entrypoint arguments, or a shell line that calls `garde drill --store S`.
 */
export function gardeJobsOf(container: Container): GardeJob[] {
  const line = [...(container.command ?? []), ...(container.args ?? [])].join(" ");
  const jobs: GardeJob[] = [];
  for (const m of line.matchAll(/(?:^|[\s;&|])(backup|drill)\s[^;&|]*?--store\s+(\S+)/g))
    jobs.push({ kind: m[1] as GardeJob["kind"], store: (m[2] as string).replace(/\/+$/, "") });
  return jobs;
}
