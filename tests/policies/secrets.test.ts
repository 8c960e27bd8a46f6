import { describe, expect, it } from "vitest";
import {
  secretRotationPeriod,
  secretRotationPublished,
  vercelSecretsSensitive,
} from "../../policies/secrets.ts";
import { copy, type Fake, resourceViolations, stackViolations } from "./util.ts";

const variable = (key: string, sensitive: boolean): Fake => ({
  type: "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
  props: { key, sensitive, targets: ["production"], value: "canary-d0-not-print" },
});

describe("vercel-secret-env-sensitive", () => {
  it.each([
    [
      "a project's set of variables",
      {
        type: "vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables",
        props: {
          variables: [
            { key: "API_TOKEN", sensitive: false, value: "canary-d0-not-print" },
            { key: "NEXT_PUBLIC_SITE", sensitive: false, value: "x" },
            { key: "DATABASE_URL", sensitive: true, value: "y" },
          ],
        },
      },
    ],
    [
      "a team's shared variable",
      {
        type: "vercel:index/sharedEnvironmentVariable:SharedEnvironmentVariable",
        props: { key: "API_TOKEN", sensitive: false, value: "canary-d0-not-print" },
      },
    ],
    [
      "a project's inline environments",
      {
        type: "vercel:index/project:Project",
        props: {
          name: "web",
          environments: [{ key: "API_TOKEN", sensitive: false, value: "canary-d0-not-print" }],
        },
      },
    ],
  ])("fails a plain secret set through %s, and only that one", async (_how, resource) => {
    const messages = await resourceViolations(vercelSecretsSensitive, resource as Fake);
    expect(messages).toEqual([
      "Vercel variable API_TOKEN looks secret but is not sensitive: anyone on the team can read its value",
    ]);
    expect(messages.join("\n")).not.toContain("canary");
  });

  it("is not applicable to a project without variables", async () => {
    expect(
      await resourceViolations(vercelSecretsSensitive, {
        type: "vercel:index/project:Project",
        props: { name: "web" },
      }),
    ).toEqual([]);
  });

  it("passes a sensitive DATABASE_URL", async () => {
    expect(await resourceViolations(vercelSecretsSensitive, variable("DATABASE_URL", true))).toEqual([]);
  });

  it("fails a plain one, without ever quoting its value", async () => {
    const messages = await resourceViolations(vercelSecretsSensitive, variable("STRIPE_SECRET_KEY", false));
    expect(messages).toEqual([
      "Vercel variable STRIPE_SECRET_KEY looks secret but is not sensitive: anyone on the team can read its value",
    ]);
    expect(messages.join("")).not.toContain("canary-d0-not-print");
  });

  it("leaves names that are not secrets, and browser-public ones, alone", async () => {
    for (const key of ["NEXT_PUBLIC_API_URL", "NEXT_PUBLIC_SUPABASE_ANON_KEY", "NEXTAUTH_URL", "LOG_LEVEL"])
      expect(await resourceViolations(vercelSecretsSensitive, variable(key, false)), key).toEqual([]);
  });

  it("takes the names a team calls secret from its config", async () => {
    expect(
      await resourceViolations(vercelSecretsSensitive, variable("SENTRY_URL", false), {
        secretNamePattern: "SENTRY",
      }),
    ).toHaveLength(1);
  });
});

const secret = (rotationPeriod?: string): Fake => ({
  type: "gcp:secretmanager/secret:Secret",
  name: "shop-prod-secrets-api-token",
  props: {
    secretId: "prod-api-token",
    ...(rotationPeriod ? { rotation: { rotationPeriod, nextRotationTime: "2026-12-01T00:30:00Z" } } : {}),
    topics: [{ name: "projects/acme-shop-prod/topics/shop-prod-secret-rotation" }],
  },
});

describe("secret-rotation-period", () => {
  it("passes a secret rotated every 30 days", async () => {
    expect(await resourceViolations(secretRotationPeriod, secret("2592000s"))).toEqual([]);
  });

  it("fails one rotated yearly", async () => {
    expect(await resourceViolations(secretRotationPeriod, secret("31536000s"))).toEqual([
      "secret prod-api-token rotates every 365 days; at most 90",
    ]);
  });

  it("fails one that never rotates", async () => {
    expect(await resourceViolations(secretRotationPeriod, secret())).toEqual([
      "secret prod-api-token never rotates: a leaked value stays valid for ever",
    ]);
  });

  it("leaves garde's rotation audit trail (records, never a credential) alone, and only that", async () => {
    const audit = (secretId: string, labels: Record<string, string>): Fake => ({
      type: "gcp:secretmanager/secret:Secret",
      props: { secretId, labels, replication: { auto: {} } },
    });
    expect(
      await resourceViolations(
        secretRotationPeriod,
        audit("prod-garde-rotation-audit", { "managed-by": "garde" }),
      ),
    ).toEqual([]);
    expect(await resourceViolations(secretRotationPeriod, audit("prod-garde-rotation-audit", {}))).toEqual([
      "secret prod-garde-rotation-audit never rotates: a leaked value stays valid for ever",
    ]);
    expect(
      await resourceViolations(secretRotationPeriod, audit("prod-stripe-key", { "managed-by": "garde" })),
    ).toEqual(["secret prod-stripe-key never rotates: a leaked value stays valid for ever"]);
  });
});

const publisher = (member: string): Fake => ({
  type: "gcp:pubsub/topicIAMMember:TopicIAMMember",
  props: { topic: "shop-prod-secret-rotation", role: "roles/pubsub.publisher", member },
});
const AGENT = "serviceAccount:service-123456789012@gcp-sa-secretmanager.iam.gserviceaccount.com";

describe("secret-rotation-published", () => {
  it("passes a topic the Secret Manager agent may publish to", async () => {
    expect(await stackViolations(secretRotationPublished, [secret("2592000s"), publisher(AGENT)])).toEqual(
      [],
    );
  });

  it("fails when the grant goes to someone else", async () => {
    expect(
      await stackViolations(secretRotationPublished, [
        secret("2592000s"),
        publisher("serviceAccount:ci@acme.iam.gserviceaccount.com"),
      ]),
    ).toEqual([
      "shop-prod-secrets-api-token: secret prod-api-token publishes its rotation to shop-prod-secret-rotation, which the Secret Manager service agent may not publish to",
    ]);
  });

  it("fails a rotating secret with no topic", async () => {
    const s = copy(secret("2592000s"));
    s.props.topics = [];
    expect(await stackViolations(secretRotationPublished, [s])).toEqual([
      "shop-prod-secrets-api-token: secret prod-api-token rotates but names no topic: Secret Manager refuses it",
    ]);
  });
});
