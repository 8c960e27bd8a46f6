import type { ResourceType } from "./resources.ts";
import type { KObject } from "./store.ts";

/** kubectl's short ages: 45s, 3m, 2h, 4d. */
export function age(since: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(since)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

type Column = [name: string, type: string, priority: number, cell: (o: KObject) => string | number];

const containersOf = (o: KObject) =>
  (o.spec?.template?.spec?.containers ?? []) as { name: string; image: string }[];
const selectorText = (o: KObject) =>
  Object.entries((o.spec?.selector?.matchLabels ?? {}) as Record<string, string>)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

function podStatus(o: KObject): string {
  const waiting = (o.status?.containerStatuses ?? []).find(
    (c: { state?: { waiting?: { reason?: string } } }) => c.state?.waiting,
  );
  return waiting?.state?.waiting?.reason ?? o.status?.phase ?? "Pending";
}

/** What -o wide adds for Deployments and ReplicaSets. */
const WORKLOAD_WIDE: Column[] = [
  [
    "Containers",
    "string",
    1,
    (o) =>
      containersOf(o)
        .map((c) => c.name)
        .join(","),
  ],
  [
    "Images",
    "string",
    1,
    (o) =>
      containersOf(o)
        .map((c) => c.image)
        .join(","),
  ],
  ["Selector", "string", 1, selectorText],
];

/** The columns the API server's printers give each kind (pkg/printers/internalversion). */
const COLUMNS: Record<string, Column[]> = {
  Deployment: [
    ["Ready", "string", 0, (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`],
    ["Up-to-date", "integer", 0, (o) => o.status?.updatedReplicas ?? 0],
    ["Available", "integer", 0, (o) => o.status?.availableReplicas ?? 0],
    ["Age", "string", 0, (o) => age(o.metadata.creationTimestamp)],
    ...WORKLOAD_WIDE,
  ],
  ReplicaSet: [
    ["Desired", "integer", 0, (o) => o.spec?.replicas ?? 0],
    ["Current", "integer", 0, (o) => o.status?.replicas ?? 0],
    ["Ready", "integer", 0, (o) => o.status?.readyReplicas ?? 0],
    ["Age", "string", 0, (o) => age(o.metadata.creationTimestamp)],
    ...WORKLOAD_WIDE,
  ],
  Pod: [
    [
      "Ready",
      "string",
      0,
      (o) =>
        `${(o.status?.containerStatuses ?? []).filter((c: { ready: boolean }) => c.ready).length}/${(o.spec?.containers ?? []).length}`,
    ],
    ["Status", "string", 0, podStatus],
    ["Restarts", "string", 0, (o) => String((o.status?.containerStatuses ?? [])[0]?.restartCount ?? 0)],
    ["Age", "string", 0, (o) => age(o.metadata.creationTimestamp)],
    ["IP", "string", 1, (o) => o.status?.podIP ?? "<none>"],
    ["Node", "string", 1, () => "garde-sandbox"],
  ],
  Service: [
    ["Type", "string", 0, (o) => o.spec?.type ?? "ClusterIP"],
    ["Cluster-IP", "string", 0, (o) => o.spec?.clusterIP ?? "<none>"],
    [
      "External-IP",
      "string",
      0,
      (o) => (o.status?.loadBalancer?.ingress ?? []).map((i: { ip: string }) => i.ip).join(",") || "<none>",
    ],
    [
      "Port(s)",
      "string",
      0,
      (o) =>
        (o.spec?.ports ?? [])
          .map(
            (p: { port: number; nodePort?: number; protocol?: string }) =>
              `${p.port}${p.nodePort ? `:${p.nodePort}` : ""}/${p.protocol ?? "TCP"}`,
          )
          .join(","),
    ],
    ["Age", "string", 0, (o) => age(o.metadata.creationTimestamp)],
    [
      "Selector",
      "string",
      1,
      (o) =>
        Object.entries(o.spec?.selector ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(","),
    ],
  ],
  ConfigMap: [
    ["Data", "integer", 0, (o) => Object.keys(o.data ?? {}).length],
    ["Age", "string", 0, (o) => age(o.metadata.creationTimestamp)],
  ],
  Secret: [
    ["Type", "string", 0, (o) => String(o.type ?? "Opaque")],
    ["Data", "integer", 0, (o) => Object.keys(o.data ?? {}).length],
    ["Age", "string", 0, (o) => age(o.metadata.creationTimestamp)],
  ],
  Namespace: [
    ["Status", "string", 0, (o) => o.status?.phase ?? "Active"],
    ["Age", "string", 0, (o) => age(o.metadata.creationTimestamp)],
  ],
};

/** A meta.k8s.io/v1 Table, what kubectl get asks for (Accept: …;as=Table) and prints as is. */
export function tableOf(type: ResourceType, items: KObject[], metadata: { resourceVersion: string }) {
  const columns = COLUMNS[type.kind] ?? [
    ["Age", "string", 0, (o: KObject) => age(o.metadata.creationTimestamp)] as Column,
  ];
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata,
    columnDefinitions: [
      { name: "Name", type: "string", format: "name", description: "Name of the object", priority: 0 },
      ...columns.map(([name, t, priority]) => ({ name, type: t, format: "", description: name, priority })),
    ],
    rows: items.map((o) => ({
      cells: [o.metadata.name, ...columns.map(([, , , cell]) => cell(o))],
      object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata },
    })),
  };
}
