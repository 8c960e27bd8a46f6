import type { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import {
  type AuditRecord,
  ConcurrentRotationError,
  IDLE,
  type RotationState,
  type SecretSnapshot,
  type SecretStore,
} from "./store.ts";

const STATE = "garde.dev/rotation";
const AUDIT_SECRET = "garde-rotation-audit";

// gRPC status codes, which the REST fallback reports too.
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const FAILED_PRECONDITION = 9;
const ABORTED = 10;
const CODES: Record<string, number> = { NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED };

/**
 * The gRPC status of a failed call. google-gax decodes it into `code` on gRPC; on the REST
 * fallback of google-gax 5 (the line that still runs on Node 20) gaxios throws the HTTP error
 * itself, whose message is Google's JSON error body with the status by name.
 */
export function googleStatus(err: unknown): number | undefined {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e.message === "string" && e.message.startsWith("{")) {
    try {
      const name = (JSON.parse(e.message) as { error?: { status?: string } }).error?.status;
      if (name && name in CODES) return CODES[name];
    } catch {
      // not a JSON body: fall through to the decoded code
    }
  }
  return typeof e.code === "number" && e.code < 100 ? e.code : undefined;
}

/**
 * GCP Secret Manager: the roles are version aliases (current, pending, previous), the rotation
 * state an annotation, and every write carries the secret's etag, so the service itself refuses
 * a second run's interleaved write.
 */
export class GcpSecretStore implements SecretStore {
  readonly name = "GCP Secret Manager";
  private readonly client: SecretManagerServiceClient;
  private readonly project: string;
  private readonly environment: string;

  constructor(opts: { client: SecretManagerServiceClient; project: string; environment: string }) {
    this.client = opts.client;
    this.project = opts.project;
    this.environment = opts.environment;
  }

  private path(secret: string): string {
    return `projects/${this.project}/secrets/${this.environment}-${secret}`;
  }

  private async fetch(secret: string) {
    try {
      const [s] = await this.client.getSecret({ name: this.path(secret) });
      return s;
    } catch (err) {
      if (googleStatus(err) !== NOT_FOUND) throw err;
      try {
        const [s] = await this.client.createSecret({
          parent: `projects/${this.project}`,
          secretId: `${this.environment}-${secret}`,
          secret: {
            replication: { automatic: {} },
            labels: { environment: this.environment, "managed-by": "garde" },
          },
        });
        return s;
      } catch (createErr) {
        if (googleStatus(createErr) !== ALREADY_EXISTS) throw createErr;
        const [s] = await this.client.getSecret({ name: this.path(secret) });
        return s;
      }
    }
  }

  async snapshot(secret: string): Promise<SecretSnapshot> {
    const s = await this.fetch(secret);
    const aliases = (s.versionAliases ?? {}) as Record<string, string | number | { toString(): string }>;
    const role = (name: string) => (aliases[name] !== undefined ? String(aliases[name]) : null);
    const stateText = s.annotations?.[STATE];
    return {
      current: role("current"),
      pending: role("pending"),
      previous: role("previous"),
      state: stateText ? (JSON.parse(stateText) as RotationState) : IDLE,
      etag: s.etag ?? "",
    };
  }

  async value(secret: string, version: string): Promise<string> {
    const [response] = await this.client.accessSecretVersion({
      name: `${this.path(secret)}/versions/${version}`,
    });
    const data = response.payload?.data;
    if (!data) throw new Error(`Version ${version} of ${secret} has no payload`);
    return Buffer.from(data as Uint8Array).toString("utf8");
  }

  async addVersion(secret: string, value: string): Promise<string> {
    const [version] = await this.client.addSecretVersion({
      parent: this.path(secret),
      payload: { data: Buffer.from(value, "utf8") },
    });
    return (version.name ?? "").split("/").pop() as string;
  }

  async update(
    secret: string,
    etag: string,
    roles: Pick<SecretSnapshot, "current" | "pending" | "previous">,
    state: RotationState,
  ): Promise<string> {
    const [existing] = await this.client.getSecret({ name: this.path(secret) });
    const versionAliases: Record<string, number> = {};
    for (const role of ["current", "pending", "previous"] as const)
      if (roles[role] !== null) versionAliases[role] = Number(roles[role]);
    try {
      const [updated] = await this.client.updateSecret({
        secret: {
          name: this.path(secret),
          etag,
          versionAliases,
          annotations: { ...existing.annotations, [STATE]: JSON.stringify(state) },
        },
        updateMask: { paths: ["version_aliases", "annotations"] },
      });
      return updated.etag ?? "";
    } catch (err) {
      const code = googleStatus(err);
      if (code === ABORTED || code === FAILED_PRECONDITION) {
        throw new ConcurrentRotationError(
          `Secret ${secret} changed under this run (another rotation is active)`,
        );
      }
      throw err;
    }
  }

  async disable(secret: string, version: string): Promise<void> {
    await this.client.disableSecretVersion({ name: `${this.path(secret)}/versions/${version}` });
  }

  async enabled(secret: string, version: string): Promise<boolean> {
    const [v] = await this.client.getSecretVersion({ name: `${this.path(secret)}/versions/${version}` });
    return v.state === "ENABLED";
  }

  /**
   * Each record is a version of one audit secret per environment: versions are immutable and
   * append-only, which is what an audit trail wants. Records hold no secret value.
   */
  async audit(record: AuditRecord): Promise<void> {
    await this.fetch(AUDIT_SECRET);
    await this.client.addSecretVersion({
      parent: this.path(AUDIT_SECRET),
      payload: { data: Buffer.from(JSON.stringify(record), "utf8") },
    });
  }
}
