import { type Flag, JSON_FLAG } from "./flags.ts";

/** The flags every cluster command takes: where the cluster is and which workload. */
export const KUBERNETES_FLAGS: readonly Flag[] = [
  {
    name: "kubeconfig",
    kind: "string",
    value: "FILE",
    description: "Kubeconfig (default: KUBECONFIG, then ~/.kube/config).",
  },
  {
    name: "namespace",
    kind: "string",
    value: "NS",
    description: "Namespace (default: the kubeconfig context's).",
  },
  {
    name: "deployment",
    kind: "string",
    value: "NAME",
    description: "The app's Deployment (default api-server).",
  },
  {
    name: "reason",
    kind: "string",
    value: "TEXT",
    description: "Why: recorded on the object and in the summary (required).",
  },
  JSON_FLAG,
];
