import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { PendingWork } from "../schedules.ts";

export interface SecretSetArgs {
  project: string;
  projectNumber: string;
  environment: string;
  app: string;
  /** Anchor of the rotation calendar; the first rotation is its next occurrence after `now`. */
  rotationStart: string;
  /** The moment the program runs (injected so plans and tests are reproducible). */
  now: Date;
  protect: boolean;
  items: { name: string; rotationDays: number; replication: "automatic" | { regions: string[] } }[];
}

const HOUR_MS = 3_600_000;

/**
 * The first time on the calendar `start + k × period` at least an hour from now: Secret Manager
 * refuses a next rotation time in the past, so a fixed date would break the first apply after it.
 */
export function nextRotationTime(start: string, periodDays: number, now: Date): string {
  const first = Date.parse(start);
  const period = periodDays * 24 * HOUR_MS;
  const earliest = now.getTime() + HOUR_MS;
  const k = first >= earliest ? 0 : Math.ceil((earliest - first) / period);
  return new Date(first + k * period).toISOString().replace(/\.000Z$/, "Z");
}

/**
 * Secret Manager secrets with a rotation period. When one is due the platform publishes
 * SECRET_ROTATE on the topic; the subscription holds those events for rotate-keys. No value is
 * set here: rotate-keys owns every value, its version aliases and its state annotations.
 */
export class SecretSet extends pulumi.ComponentResource {
  readonly topic: pulumi.Output<string>;
  readonly subscription: pulumi.Output<string>;
  /** Secret id (`projects/P/secrets/S`) by item name. */
  readonly ids: Record<string, pulumi.Output<string>> = {};
  /** rotate-keys' audit trail: one version per record, created here so rotation needs no create right. */
  readonly auditId: pulumi.Output<string>;
  readonly resourceNames: Record<string, string> = {};
  readonly pending: PendingWork[] = [];

  constructor(name: string, args: SecretSetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("garde:gcp:SecretSet", name, {}, opts);
    const { topic, publisher, subscription } = rotationEvents(name, args, this);
    for (const item of args.items) {
      const resourceName = `${name}-${item.name}`;
      const secret = new gcp.secretmanager.Secret(
        resourceName,
        {
          project: args.project,
          secretId: `${args.environment}-${item.name}`,
          labels: { environment: args.environment, app: args.app, "managed-by": "garde" },
          replication:
            item.replication === "automatic"
              ? { auto: {} }
              : { userManaged: { replicas: item.replication.regions.map((location) => ({ location })) } },
          rotation: {
            rotationPeriod: `${item.rotationDays * 86_400}s`,
            nextRotationTime: nextRotationTime(args.rotationStart, item.rotationDays, args.now),
          },
          topics: [{ name: topic.id }],
        },
        {
          parent: this,
          dependsOn: [publisher],
          protect: args.protect,
          // Secret Manager moves the next rotation time itself, and rotate-keys writes the aliases
          // and annotations: an `up --refresh` must not put back what they changed.
          ignoreChanges: ["rotation.nextRotationTime", "versionAliases", "annotations"],
        },
      );
      this.ids[item.name] = secret.id;
      this.resourceNames[item.name] = resourceName;
      this.pending.push({
        what: `rotation of ${args.environment}-${item.name}`,
        schedule: `every ${item.rotationDays} days`,
        waitingFor: `a scheduled rotate-keys run (secrets: due) reading subscription ${args.app}-${args.environment}-rotate-keys: the workflow library issue #17`,
      });
    }
    // The name GcpSecretStore writes its records to (ENVIRONMENT-garde-rotation-audit).
    this.auditId = new gcp.secretmanager.Secret(
      `${name}-rotation-audit`,
      {
        project: args.project,
        secretId: `${args.environment}-garde-rotation-audit`,
        labels: { environment: args.environment, app: args.app, "managed-by": "garde" },
        replication: { auto: {} },
      },
      { parent: this, protect: args.protect },
    ).id;
    this.topic = topic.id;
    this.subscription = subscription.id;
    this.registerOutputs({ topic: this.topic, subscription: this.subscription });
  }
}

/**
 * Where Secret Manager says a secret is due: a topic the service agent may publish to (the agent
 * exists only once asked for, hence the ServiceIdentity), and the subscription rotate-keys drains.
 */
function rotationEvents(name: string, args: SecretSetArgs, owner: pulumi.Resource) {
  const parent = { parent: owner };
  const topic = new gcp.pubsub.Topic(
    `${name}-rotation`,
    { project: args.project, name: `${args.app}-${args.environment}-secret-rotation` },
    parent,
  );
  // The agent exists only once asked for; the publisher grant below names it.
  const agent = new gcp.projects.ServiceIdentity(
    `${name}-secretmanager-agent`,
    { project: args.project, service: "secretmanager.googleapis.com" },
    parent,
  );
  const publisher = new gcp.pubsub.TopicIAMMember(
    `${name}-rotation-publisher`,
    {
      project: args.project,
      topic: topic.name,
      role: "roles/pubsub.publisher",
      member: `serviceAccount:service-${args.projectNumber}@gcp-sa-secretmanager.iam.gserviceaccount.com`,
    },
    { parent: owner, dependsOn: [agent] },
  );
  const subscription = new gcp.pubsub.Subscription(
    `${name}-rotation-due`,
    {
      project: args.project,
      name: `${args.app}-${args.environment}-rotate-keys`,
      topic: topic.id,
      ackDeadlineSeconds: 600,
      messageRetentionDuration: "604800s",
      expirationPolicy: { ttl: "" },
    },
    parent,
  );
  return { topic, publisher, subscription };
}
