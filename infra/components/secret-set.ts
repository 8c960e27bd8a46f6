import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface SecretSetArgs {
  project: string;
  projectNumber: string;
  environment: string;
  /** First rotation; later ones follow each secret's period. A fixed date keeps previews stable. */
  rotationStart: string;
  items: { name: string; rotationDays: number; replication: "automatic" | { regions: string[] } }[];
}

/**
 * Secret Manager secrets with a rotation period: the platform publishes SECRET_ROTATE on the
 * topic when one is due, and the rotate-keys pipeline answers it. No value is set here.
 */
export class SecretSet extends pulumi.ComponentResource {
  readonly topic: pulumi.Output<string>;
  readonly secretIds: pulumi.Output<string[]>;

  constructor(name: string, args: SecretSetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("garde:gcp:SecretSet", name, {}, opts);
    const topic = new gcp.pubsub.Topic(
      `${name}-rotation`,
      { project: args.project, name: `${name}-secret-rotation` },
      { parent: this },
    );
    // Secret Manager's service agent publishes the rotation events.
    const publisher = new gcp.pubsub.TopicIAMMember(
      `${name}-rotation-publisher`,
      {
        project: args.project,
        topic: topic.name,
        role: "roles/pubsub.publisher",
        member: `serviceAccount:service-${args.projectNumber}@gcp-sa-secretmanager.iam.gserviceaccount.com`,
      },
      { parent: this },
    );
    const secrets = args.items.map(
      (item) =>
        new gcp.secretmanager.Secret(
          `${name}-${item.name}`,
          {
            project: args.project,
            secretId: `${args.environment}-${item.name}`,
            labels: { environment: args.environment, "managed-by": "garde" },
            replication:
              item.replication === "automatic"
                ? { auto: {} }
                : { userManaged: { replicas: item.replication.regions.map((location) => ({ location })) } },
            rotation: {
              rotationPeriod: `${item.rotationDays * 86_400}s`,
              nextRotationTime: args.rotationStart,
            },
            topics: [{ name: topic.id }],
          },
          { parent: this, dependsOn: [publisher] },
        ),
    );
    this.topic = topic.id;
    this.secretIds = pulumi.all(secrets.map((s) => s.secretId));
    this.registerOutputs({ topic: this.topic, secretIds: this.secretIds });
  }
}
