import type {
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { at, settingsOf } from "./props.ts";
import {
  allContainers,
  type Container,
  imageReference,
  isPodWorkload,
  type PodSpec,
  podSpecOf,
  SERVING_KINDS,
} from "./workloads.ts";

/** Kubernetes workloads: pinned images, sized, probed, unprivileged, and kept up through drains. */

type PodCheck = (spec: PodSpec, args: ResourceValidationArgs, report: ReportViolation) => void;

/** A validation of every workload kind that runs pods; other resources are not applicable. */
const forWorkloads =
  (check: PodCheck, kinds?: Set<string>) => (args: ResourceValidationArgs, report: ReportViolation) => {
    if (!isPodWorkload(args.type) || (kinds && !kinds.has(args.type)))
      args.notApplicable("not a workload that runs pods");
    const spec = podSpecOf(args.type, args.props);
    if (spec) check(spec, args, report);
  };

const kindOf = (type: string) => type.split(":").pop() ?? type;
const label = (args: ResourceValidationArgs, c: Container) =>
  `${kindOf(args.type)} ${at(args.props, "metadata.name") ?? args.name}, container ${c.name ?? "?"}`;

const imageSchema: PolicyConfigSchema = {
  properties: {
    forbiddenTags: {
      type: "array",
      items: { type: "string" },
      default: ["latest"],
      description: "Tags that move under a running workload",
    },
  },
};

export const imagesPinned: ResourceValidationPolicy = {
  name: "k8s-image-tagged",
  description:
    "Every container image names a tag other than latest, or a digest: what runs is what was reviewed.",
  severity: "high",
  tags: ["kubernetes"],
  remediationSteps:
    "Use a version tag (api:1.4.2), a git SHA or a digest (@sha256:…) in garde:kubernetes.image.",
  configSchema: imageSchema,
  validateResource: forWorkloads((spec, args, report) => {
    const { forbiddenTags } = settingsOf<{ forbiddenTags: string[] }>(imageSchema, args.getConfig());
    for (const c of allContainers(spec)) {
      const { digest, tag } = imageReference(c.image ?? "");
      if (digest) continue;
      if (!tag) report(`${label(args, c)}: image ${c.image} has no tag, so it runs whatever latest is`);
      else if (forbiddenTags.includes(tag))
        report(`${label(args, c)}: image ${c.image} uses the moving tag ${tag}`);
    }
  }),
};

const resourcesSchema: PolicyConfigSchema = {
  properties: {
    requireCpuLimit: {
      type: "boolean",
      default: false,
      description:
        "Also require a CPU limit (off by default: a CPU limit throttles a pod with idle cores beside it; the request is what schedules it)",
    },
  },
};

export const resourcesSet: ResourceValidationPolicy = {
  name: "k8s-resources",
  description:
    "Every container requests CPU and memory and has a memory limit: the scheduler places it, and a leak kills it rather than the node.",
  severity: "medium",
  tags: ["kubernetes"],
  remediationSteps:
    "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory (garde:kubernetes.cpu and memory).",
  configSchema: resourcesSchema,
  validateResource: forWorkloads((spec, args, report) => {
    const { requireCpuLimit } = settingsOf<{ requireCpuLimit: boolean }>(resourcesSchema, args.getConfig());
    for (const c of allContainers(spec)) {
      const missing = [
        ...(c.resources?.requests?.cpu ? [] : ["requests.cpu"]),
        ...(c.resources?.requests?.memory ? [] : ["requests.memory"]),
        ...(c.resources?.limits?.memory ? [] : ["limits.memory"]),
        ...(requireCpuLimit && !c.resources?.limits?.cpu ? ["limits.cpu"] : []),
      ];
      if (missing.length) report(`${label(args, c)}: no ${missing.join(", ")}`);
    }
  }),
};

export const probesSet: ResourceValidationPolicy = {
  name: "k8s-probes",
  description:
    "Every serving container (Deployment, StatefulSet, DaemonSet) has a readiness and a liveness probe.",
  severity: "medium",
  tags: ["kubernetes"],
  remediationSteps: "Add readinessProbe and livenessProbe (garde's app probes /healthz on its port).",
  configSchema: { properties: {} },
  validateResource: forWorkloads((spec, args, report) => {
    for (const c of spec.containers ?? []) {
      const missing = [...(c.readinessProbe ? [] : ["readiness"]), ...(c.livenessProbe ? [] : ["liveness"])];
      if (missing.length)
        report(
          `${label(args, c)}: no ${missing.join(" or ")} probe: traffic reaches it before it is ready, or a hung process is never restarted`,
        );
    }
  }, SERVING_KINDS),
};

export const runAsNonRoot: ResourceValidationPolicy = {
  name: "k8s-run-as-non-root",
  description: "Every container runs as a non-root user (runAsNonRoot on the pod or the container).",
  severity: "high",
  tags: ["kubernetes"],
  remediationSteps: "Set securityContext.runAsNonRoot: true on the pod (and a numeric USER in the image).",
  configSchema: { properties: {} },
  validateResource: forWorkloads((spec, args, report) => {
    for (const c of allContainers(spec)) {
      const nonRoot = c.securityContext?.runAsNonRoot ?? spec.securityContext?.runAsNonRoot;
      const user = c.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
      if (nonRoot !== true || user === 0) report(`${label(args, c)}: may run as root`);
    }
  }),
};

export const notPrivileged: ResourceValidationPolicy = {
  name: "k8s-no-privileged",
  description: "No container runs privileged: a privileged container is root on the node.",
  severity: "critical",
  tags: ["kubernetes"],
  remediationSteps: "Remove securityContext.privileged; grant the one capability needed instead.",
  configSchema: { properties: {} },
  validateResource: forWorkloads((spec, args, report) => {
    for (const c of allContainers(spec))
      if (c.securityContext?.privileged === true) report(`${label(args, c)}: runs privileged`);
  }),
};

export const noHostPath: ResourceValidationPolicy = {
  name: "k8s-no-host-path",
  description: "No pod mounts a hostPath volume: the node's files are not the app's to read or write.",
  severity: "high",
  tags: ["kubernetes"],
  remediationSteps: "Use an emptyDir, a ConfigMap, a Secret or a PersistentVolumeClaim instead.",
  configSchema: { properties: {} },
  validateResource: forWorkloads((spec, args, report) => {
    for (const v of spec.volumes ?? [])
      if (v.hostPath)
        report(
          `${kindOf(args.type)} ${at(args.props, "metadata.name") ?? args.name}: volume ${v.name} mounts the node's ${at(v, "hostPath.path")}`,
        );
  }),
};

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";

const namespaceOf = (props: unknown) => String(at(props, "metadata.namespace") ?? "default");

export const disruptionBudget: StackValidationPolicy = {
  name: "k8s-disruption-budget",
  description:
    "A Deployment with more than one replica has a PodDisruptionBudget: a node drain never takes all its pods at once.",
  severity: "medium",
  tags: ["kubernetes"],
  remediationSteps:
    "Add a policy/v1 PodDisruptionBudget in the same namespace selecting the Deployment's pods (maxUnavailable: 1).",
  configSchema: { properties: {} },
  validateStack: (args, report) => {
    const budgets = args.resources.filter((r) => r.type === PDB);
    for (const d of args.resources.filter((r) => r.type === DEPLOYMENT)) {
      if (Number(at(d.props, "spec.replicas") ?? 1) <= 1) continue;
      const podLabels = (at(d.props, "spec.template.metadata.labels") ?? {}) as Record<string, string>;
      const covered = budgets.some((b) => {
        const match = (at(b.props, "spec.selector.matchLabels") ?? {}) as Record<string, string>;
        return (
          namespaceOf(b.props) === namespaceOf(d.props) &&
          Object.keys(match).length > 0 &&
          Object.entries(match).every(([k, v]) => podLabels[k] === v)
        );
      });
      if (!covered)
        report(
          `Deployment ${at(d.props, "metadata.name")} runs ${at(d.props, "spec.replicas")} replicas and no PodDisruptionBudget selects its pods`,
          d.urn,
        );
    }
  },
};

export const KUBERNETES_POLICIES = [
  imagesPinned,
  resourcesSet,
  probesSet,
  runAsNonRoot,
  notPrivileged,
  noHostPath,
  disruptionBudget,
];
