import { readFileSync } from "node:fs";
import * as z from "zod";
import { InputError } from "../errors.ts";
import { isLoopbackUrl } from "../loopback.ts";
import { readYamlInput } from "../yaml-text.ts";
import { strictObject } from "../zod-strict.ts";

/** rotation.yml: which secrets exist, how each is made, who consumes it, where it is kept. */
export const rotationConfigSchema = strictObject({
  store: z.discriminatedUnion(
    "type",
    [
      strictObject({
        type: z.literal("gcp"),
        project: z
          .string({ error: "is required: the GCP project id holding the secrets, e.g. acme-shop-prod" })
          .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, {
            error:
              "must be a GCP project id: 6–30 lowercase letters, digits and hyphens, e.g. acme-shop-prod",
          }),
        environment: z
          .string({
            error:
              "is required: the environment the secrets belong to, e.g. prod (secret names get it as a prefix)",
          })
          .regex(/^[a-z][a-z0-9-]*$/, { error: "must be a lowercase name such as prod" }),
        apiEndpoint: z.string().optional(),
      }),
      strictObject({
        type: z.literal("file"),
        path: z.string({ error: "is required: the encrypted file, e.g. .garde/secrets.enc" }).min(1),
      }),
    ],
    {
      error: (iss) =>
        iss.input === undefined
          ? "is required: { type: gcp, project, environment } or { type: file, path }"
          : "type must be gcp (Secret Manager) or file (an encrypted file)",
    },
  ),
  graceHours: z.number().min(0).max(720, { error: "must be at most 720 (30 days)" }).default(24),
  secrets: z
    .array(
      strictObject({
        name: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: "must be a lowercase name (a-z, 0-9, -)" }),
        kind: z.enum(["token", "postgres"], { error: "must be token or postgres" }),
        rotationDays: z.number().int().min(1).max(365, { error: "must be at most 365" }).default(30),
        token: strictObject({
          /** The issuer's revocation endpoint (RFC 7009): garde POSTs token=… there to revoke a value. */
          revoke: strictObject({
            url: z
              .string({
                error:
                  "is required: the issuer's revocation endpoint, e.g. https://auth.example.com/oauth/revoke",
              })
              .refine(
                (u) =>
                  URL.canParse(u) &&
                  (u.startsWith("https://") || (u.startsWith("http://") && isLoopbackUrl(u))),
                {
                  error:
                    "must be an https URL such as https://auth.example.com/oauth/revoke (http only on this machine)",
                },
              ),
            authorizationEnv: z
              .string()
              .regex(/^[A-Z][A-Z0-9_]*$/, {
                error:
                  "must name an environment variable holding the Authorization header, e.g. TOKEN_REVOKE_AUTH",
              })
              .optional(),
          }),
        }).optional(),
        postgres: strictObject({
          adminUrlEnv: z.string().regex(/^[A-Z][A-Z0-9_]*$/, {
            error: "must name an environment variable holding the admin connection URL",
          }),
          roles: z.tuple([z.string().min(1), z.string().min(1)]),
        }).optional(),
        consumers: z
          .array(
            z.union([
              strictObject({
                vercel: strictObject({
                  key: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
                  previousKey: z.string().optional(),
                }),
              }),
              strictObject({
                kubernetes: strictObject({
                  secret: z.string().regex(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/, {
                    error: "must be a Kubernetes Secret name such as api-keys",
                  }),
                  key: z
                    .string()
                    .regex(/^[-._a-zA-Z0-9]+$/, { error: "must be a Secret key such as API_TOKEN" }),
                  previousKey: z
                    .string()
                    .regex(/^[-._a-zA-Z0-9]+$/, { error: "must be a Secret key such as API_TOKEN_PREVIOUS" })
                    .optional(),
                }),
              }),
              strictObject({
                githubSecret: strictObject({
                  name: z
                    .string()
                    .regex(/^[A-Z][A-Z0-9_]*$/, { error: "must be a secret name such as DEPLOY_TOKEN" }),
                  previousName: z
                    .string()
                    .regex(/^[A-Z][A-Z0-9_]*$/, {
                      error: "must be a secret name such as DEPLOY_TOKEN_PREVIOUS",
                    })
                    .optional(),
                }),
              }),
            ]),
          )
          .default([]),
      })
        .refine((s) => s.kind !== "postgres" || s.postgres, {
          error: "a postgres secret needs postgres: { adminUrlEnv, roles }",
        })
        .refine((s) => s.kind === "token" || !s.token, {
          error: "token: { revoke } is for kind token; a postgres secret is revoked in the database",
        }),
    )
    .min(1),
});

export type RotationConfig = z.output<typeof rotationConfigSchema>;

export function loadRotationConfig(path: string): RotationConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new InputError("config", `Cannot read the rotation config ${path}: no such file`);
  }
  const result = rotationConfigSchema.safeParse(readYamlInput(text, "config", path) ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map(
    (i) => `- ${path}: ${i.path.map(String).join(".") || "(top level)"}: ${i.message}`,
  );
  throw new InputError("config", `The rotation config is invalid:\n${lines.join("\n")}`);
}
