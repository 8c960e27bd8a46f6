import type { KubernetesWorkload } from "../targets/kubernetes-workload.ts";
import { writeYaml } from "../yaml-text.ts";

/**
 * `kubectl get configmaps -o yaml > configs-$(date).yaml`, without what must not leave the
 * cluster: ConfigMaps whole, Secrets by name, type and key names only, never a value.
 */
export async function snapshotConfig(
  workload: KubernetesWorkload,
  now: Date,
): Promise<{ yaml: string; configMaps: number; secrets: number }> {
  const namespace = workload.namespace;
  const [configMaps, secrets] = await Promise.all([
    workload.call(`list configmaps in ${namespace}`, () =>
      workload.core.listNamespacedConfigMap({ namespace }),
    ),
    workload.call(`list secrets in ${namespace}`, () => workload.core.listNamespacedSecret({ namespace })),
  ]);
  const document = {
    namespace,
    takenAt: now.toISOString(),
    configMaps: configMaps.items.map((cm) => ({
      name: cm.metadata?.name,
      ...(cm.metadata?.annotations ? { annotations: cm.metadata.annotations } : {}),
      data: cm.data ?? {},
    })),
    secrets: secrets.items.map((s) => ({
      name: s.metadata?.name,
      type: s.type ?? "Opaque",
      keys: Object.keys(s.data ?? {}).sort(),
    })),
  };
  return {
    yaml: `# garde snapshot-config: ConfigMaps whole, Secrets by name and keys only (no value)\n${writeYaml(document)}`,
    configMaps: configMaps.items.length,
    secrets: secrets.items.length,
  };
}
