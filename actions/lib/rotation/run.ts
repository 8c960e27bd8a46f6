import { InputError } from "../errors.ts";
import { type Clock, type Reporter, systemClock } from "../reporter.ts";
import { defaultRetryPolicy } from "../retry.ts";
import type { SmokeConfig } from "../smoke/config.ts";
import { smokeGate } from "../smoke/gate.ts";
import type { EnvLookup } from "../smoke/secrets.ts";
import { connectPlatform } from "../targets/connect.ts";
import { LazyTarget } from "../targets/lazy.ts";
import { hasEnvironmentVariables } from "../targets/target.ts";
import type { RotationConfig } from "./config.ts";
import { EncryptedFileStore } from "./file-store.ts";
import type { RunOwner } from "./lease.ts";
import { PostgresRotator } from "./postgres-rotator.ts";
import type { RotationAccess, RotationRequest } from "./request.ts";
import { type RotationReport, rotate } from "./rotate.ts";
import type { Consumer, Rotator } from "./rotator.ts";
import type { SecretStore, Step } from "./store.ts";
import { type TokenIssuer, TokenRotator } from "./token-rotator.ts";
import { VercelEnvConsumer } from "./vercel-consumer.ts";

export interface RotationRunDeps {
  reporter: Reporter;
  env: EnvLookup;
  clock?: Clock;
  /** The consumers' platforms (Vercel, Kubernetes, GitHub), each when a secret has a consumer there. */
  platform?: RotationAccess | undefined;
  smoke: SmokeConfig;
  /** Key of the encrypted file store (32 bytes), for store type file. */
  fileStoreKey?: Buffer | undefined;
  /** For tests and the sandbox: a store already built. */
  store?: SecretStore | undefined;
  /** Build status polling of the Vercel consumer's rebuilds. */
  pollIntervalMs?: number | undefined;
  /** This process, for the lease and the file store's lock; and whether one of this host runs. */
  owner?: RunOwner | undefined;
  isAlive?: ((owner: RunOwner) => boolean) | undefined;
  /** Called after each step is recorded (the CLI's test hook kills the process there). */
  afterStep?: ((step: Step) => Promise<void> | void) | undefined;
}

export interface PlannedRotation {
  secret: string;
  step: string;
  /** null: unknown, the store could not be read (a dry run without credentials). */
  due: boolean | null;
  rotatedAt: string | null;
}

/** The store cannot be reached with what this run was given (no credentials). Exit 2. */
export class StoreUnavailableError extends InputError {
  override readonly name = "StoreUnavailableError";
}

/**
 * Google's client looks for Application Default Credentials only on its first call, and then
 * fails inside its own promise chain; asking first turns a missing login into one clear line.
 */
async function requireGoogleCredentials(): Promise<void> {
  const { GoogleAuth } = await import("google-auth-library");
  try {
    await new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] }).getClient();
  } catch {
    throw new StoreUnavailableError(
      "store",
      "The gcp store needs Google credentials: run gcloud auth application-default login, or set GOOGLE_APPLICATION_CREDENTIALS to a key file (on GitHub, google-github-actions/auth with workload identity)",
    );
  }
}

async function openStore(config: RotationConfig, deps: RotationRunDeps): Promise<SecretStore> {
  if (deps.store) return deps.store;
  if (config.store.type === "file") {
    if (!deps.fileStoreKey)
      throw new InputError(
        "store-key",
        "The file store needs its key: set GARDE_STORE_KEY to 64 hex characters",
      );
    return new EncryptedFileStore(config.store.path, deps.fileStoreKey, {
      owner: deps.owner,
      isAlive: deps.isAlive,
    });
  }
  if (!config.store.apiEndpoint) await requireGoogleCredentials();
  const [{ SecretManagerServiceClient }, { GcpSecretStore }] = await Promise.all([
    import("@google-cloud/secret-manager"),
    import("./gcp-store.ts"),
  ]);
  return new GcpSecretStore({
    client: new SecretManagerServiceClient(
      config.store.apiEndpoint ? { apiEndpoint: config.store.apiEndpoint } : undefined,
    ),
    project: config.store.project,
    environment: config.store.environment,
  });
}

/** Rotates the requested secrets one after another; reports each, or what it would do (dry run). */
export async function runRotation(config: RotationConfig, request: RotationRequest, deps: RotationRunDeps) {
  const clock = deps.clock ?? systemClock;
  const names = requestedSecrets(config, request);
  let store: SecretStore;
  try {
    store = await openStore(config, deps);
  } catch (err) {
    // A dry run is a plan: without the store it still says what would run, and that dates are unknown.
    if (!request.dryRun || !(err instanceof StoreUnavailableError)) throw err;
    deps.reporter.warn(`${err.message}. The dry run plans without the store's rotation dates.`);
    const unknown: PlannedRotation[] = names.map((secret) => ({
      secret,
      step: "unknown",
      due: null,
      rotatedAt: null,
    }));
    return { planned: unknown, reports: [] as RotationReport[] };
  }
  const planned = await planRotations(config, names, store, clock);
  if (request.dryRun) return { planned, reports: [] as RotationReport[] };

  const platform = deps.platform?.vercel
    ? connectPlatform(
        { target: deps.platform.vercel, github: deps.platform.github },
        { clock, reporter: deps.reporter, retry: defaultRetryPolicy },
      )
    : undefined;
  const reports: RotationReport[] = [];
  for (const { secret } of planned.filter((p) => request.secrets !== "due" || p.due)) {
    const spec = config.secrets.find((s) => s.name === secret);
    if (!spec) continue;
    reports.push(
      await rotate(secret, {
        store,
        rotator: rotatorFor(spec, deps.env),
        consumers: await consumersOf(spec, deps, clock, platform),
        clock,
        reporter: deps.reporter,
        graceMs: config.graceHours * 3_600_000,
        runId: request.runId,
        owner: deps.owner,
        isAlive: deps.isAlive,
        afterStep: deps.afterStep,
        actor: request.actor,
        reason: request.reason,
      }),
    );
  }
  return { planned, reports };
}

type SecretSpec = RotationConfig["secrets"][number];

/** The names asked for, each in the config; "due" asks for all of them. */
function requestedSecrets(config: RotationConfig, request: RotationRequest): string[] {
  const names = request.secrets === "due" ? config.secrets.map((s) => s.name) : request.secrets;
  for (const name of names) {
    if (!config.secrets.some((s) => s.name === name)) {
      throw new InputError(
        "secrets",
        `No secret ${name} in the rotation config; known: ${config.secrets.map((s) => s.name).join(", ")}`,
      );
    }
  }
  return names;
}

/** Each secret's recorded step and last rotation, and whether it is due (a run left unfinished is). */
async function planRotations(
  config: RotationConfig,
  names: readonly string[],
  store: SecretStore,
  clock: Clock,
): Promise<PlannedRotation[]> {
  const planned: PlannedRotation[] = [];
  for (const name of names) {
    const spec = config.secrets.find((s) => s.name === name);
    const snap = await store.snapshot(name);
    const rotatedAt = snap.state.rotatedAt ?? null;
    const due =
      snap.state.step !== "idle" ||
      rotatedAt === null ||
      clock.now() - rotatedAt >= (spec?.rotationDays ?? 30) * 86_400_000;
    planned.push({
      secret: name,
      step: snap.state.step,
      due,
      rotatedAt: rotatedAt ? new Date(rotatedAt).toISOString() : null,
    });
  }
  return planned;
}

/** What makes and proves the secret's values: a PostgreSQL login pair, or a random token. */
function rotatorFor(spec: SecretSpec, env: EnvLookup): Rotator {
  if (spec.kind === "postgres" && spec.postgres) {
    const adminUrl = env[spec.postgres.adminUrlEnv];
    if (!adminUrl)
      throw new InputError(
        "env",
        `${spec.name}: set ${spec.postgres.adminUrlEnv} to the admin connection URL (from a secret)`,
      );
    return new PostgresRotator({ adminUrl, roles: spec.postgres.roles });
  }
  return new TokenRotator({ issuer: tokenIssuer(spec.name, spec.token?.revoke, env) });
}

/** Every consumer of the secret, each on its platform: a GitHub secret, a Kubernetes Secret, a Vercel variable. */
async function consumersOf(
  spec: SecretSpec,
  deps: RotationRunDeps,
  clock: Clock,
  platform: ReturnType<typeof connectPlatform> | undefined,
): Promise<Consumer[]> {
  const consumers: Consumer[] = [];
  for (const c of spec.consumers) {
    if ("githubSecret" in c)
      consumers.push(await githubSecretConsumer(spec.name, c.githubSecret, deps, clock));
    else if ("kubernetes" in c) consumers.push(await kubernetesConsumer(c.kubernetes, deps, clock));
    else consumers.push(await vercelConsumer(spec.name, c.vercel, deps, clock, platform));
  }
  return consumers;
}

async function githubSecretConsumer(
  secret: string,
  c: { name: string; previousName?: string | undefined },
  deps: RotationRunDeps,
  clock: Clock,
): Promise<Consumer> {
  if (!deps.platform?.github.token) {
    throw new InputError("github-token", `${secret} has a GitHub secret consumer: give github-token`);
  }
  const { GitHubSecretConsumer } = await import("./github-secret-consumer.ts");
  return new GitHubSecretConsumer({
    ...deps.platform.github,
    clock,
    reporter: deps.reporter,
    retry: defaultRetryPolicy,
    secretName: c.name,
    previousName: c.previousName,
  });
}

/** The smoke checks a consumer's app must pass with the value under test in their environment. */
function consumerCheck(deps: RotationRunDeps, clock: Clock) {
  return (url: string, values: Record<string, string>) =>
    smokeGate(
      { ...deps.smoke, load: undefined },
      { clock, reporter: deps.reporter, env: { ...deps.env, ...values } },
    )(url);
}

/** A Vercel variable: set, then checked on a staged rebuild of production before promotion. */
async function vercelConsumer(
  secret: string,
  c: { key: string; previousKey?: string | undefined },
  deps: RotationRunDeps,
  clock: Clock,
  platform: ReturnType<typeof connectPlatform> | undefined,
): Promise<Consumer> {
  if (!platform) {
    throw new InputError(
      "vercel-token",
      `${secret} has a Vercel consumer: give vercel-token and vercel-project`,
    );
  }
  const target = platform.target instanceof LazyTarget ? await platform.target.resolve() : platform.target;
  if (!hasEnvironmentVariables(target)) {
    throw new Error(`${secret}: the ${target.platform} target cannot set environment variables`);
  }
  return new VercelEnvConsumer({
    target,
    env: target,
    github: platform.github,
    key: c.key,
    previousKey: c.previousKey,
    check: consumerCheck(deps, clock),
    clock,
    reporter: deps.reporter,
    readyTimeoutMs: 600_000,
    pollIntervalMs: deps.pollIntervalMs ?? 2_000,
  });
}

/** Where a token is revoked, with the Authorization header its variable holds. */
function tokenIssuer(
  secret: string,
  revoke: { url: string; authorizationEnv?: string | undefined } | undefined,
  env: EnvLookup,
): TokenIssuer | undefined {
  if (!revoke) return undefined;
  const authorization = revoke.authorizationEnv ? env[revoke.authorizationEnv] : undefined;
  if (revoke.authorizationEnv && !authorization)
    throw new InputError(
      "env",
      `${secret}: set ${revoke.authorizationEnv} to the Authorization header the revocation endpoint wants (from a secret)`,
    );
  return { url: revoke.url, authorization };
}

/**
 * A key of a Kubernetes Secret: set, then checked through the app's rollout with the smoke checks
 * (loads @kubernetes/client-node only when a secret has such a consumer).
 */
async function kubernetesConsumer(
  c: { secret: string; key: string; previousKey?: string | undefined },
  deps: RotationRunDeps,
  clock: Clock,
): Promise<Consumer> {
  const access = deps.platform?.kubernetes;
  if (!access) {
    throw new InputError(
      "kubeconfig",
      `a Kubernetes consumer (${c.secret}) needs kubeconfig and kubernetes-deployment`,
    );
  }
  const [{ connectWorkload }, { KubernetesSecretConsumer }] = await Promise.all([
    import("../targets/kubernetes-connect.ts"),
    import("./kubernetes-secret-consumer.ts"),
  ]);
  return new KubernetesSecretConsumer({
    workload: await connectWorkload(access, { clock, reporter: deps.reporter }),
    secret: c.secret,
    key: c.key,
    previousKey: c.previousKey,
    service: access.service,
    check: consumerCheck(deps, clock),
  });
}
