import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { GateVerdict } from "../smoke/gate.ts";
import type { KubernetesWorkload } from "../targets/kubernetes-workload.ts";
import type { Consumer } from "./rotator.ts";

export interface KubernetesSecretConsumerOptions {
  workload: KubernetesWorkload;
  /** The Secret (api-keys) and its key the app reads (API_TOKEN); previousKey holds the value still accepted. */
  secret: string;
  key: string;
  previousKey?: string | undefined;
  /** The Service the checks go through (api-gateway). */
  service: string;
  /** The smoke checks, given the value under test (for a header such as Bearer ${API_TOKEN}). */
  check: (url: string, env: Record<string, string>) => Promise<GateVerdict>;
}

/**
 * A key of a Kubernetes Secret the app reads at start. apply() writes it (with the previous value
 * under previousKey, for the overlap); verify() restarts the pods that read it, as `kubectl
 * rollout restart`, waits for the rollout and checks the app with the new value. When the value
 * is refused the rotation core applies the current one again, and the pods are restarted once
 * more, so what runs is what the Secret says.
 */
export class KubernetesSecretConsumer implements Consumer {
  readonly name: string;
  private readonly opts: KubernetesSecretConsumerOptions;
  private value: string | null = null;
  /** Pods were restarted with a value the Secret no longer holds: the next apply restarts them. */
  private podsHold: string | null = null;

  constructor(opts: KubernetesSecretConsumerOptions) {
    this.opts = opts;
    this.name = `Kubernetes secret ${opts.workload.namespace}/${opts.secret} ${opts.key}`;
  }

  async apply(value: string, previous: string | null): Promise<void> {
    const { workload, secret, key, previousKey } = this.opts;
    const b64 = (v: string) => Buffer.from(v, "utf8").toString("base64");
    await workload.call(`update secret ${workload.namespace}/${secret}`, () =>
      workload.core.patchNamespacedSecret(
        {
          name: secret,
          namespace: workload.namespace,
          body: {
            data: {
              [key]: b64(value),
              ...(previousKey && previous !== null ? { [previousKey]: b64(previous) } : {}),
            },
          },
        },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      ),
    );
    this.value = value;
    if (this.podsHold !== null && this.podsHold !== value) await this.restart();
  }

  private async restart(): Promise<void> {
    await this.opts.workload.restartReaders({ secret: this.opts.secret });
    this.podsHold = this.value;
  }

  /** Deletes previousKey from the Secret, restarts the pods that read it, checks them with the current value. */
  async revoke(current: string): Promise<void> {
    const { workload, secret, previousKey } = this.opts;
    if (!previousKey) return;
    await workload.call(`remove ${previousKey} from secret ${workload.namespace}/${secret}`, () =>
      workload.core.patchNamespacedSecret(
        // JSON merge patch (RFC 7386): null deletes the key.
        { name: secret, namespace: workload.namespace, body: { data: { [previousKey]: null } } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      ),
    );
    this.value = current;
    await this.verify();
  }

  async verify(): Promise<void> {
    await this.restart();
    const url = await this.opts.workload.serviceUrl(this.opts.service);
    const verdict = await this.opts.check(url, this.value === null ? {} : { [this.opts.key]: this.value });
    if (!verdict.passed) throw new Error(`the restarted pods failed their checks: ${verdict.summary}`);
  }
}
