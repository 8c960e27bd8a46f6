import { randomBytes } from "node:crypto";
import type { Envs } from "@vercel/sdk/models/filterprojectenvsop.js";

/** The targets a Vercel variable applies to (custom environments are not emulated). */
export const ENV_TARGETS = ["production", "preview", "development"] as const;
export type EnvTarget = (typeof ENV_TARGETS)[number];
export type EnvType = "plain" | "encrypted" | "sensitive" | "secret" | "system";

export interface EnvRecord {
  id: string;
  key: string;
  value: string;
  type: EnvType;
  target: EnvTarget[];
  gitBranch?: string;
  createdAt: number;
  updatedAt: number;
}

export type EnvInput = Pick<EnvRecord, "key" | "value" | "type" | "target"> & { gitBranch?: string };

/** Why a variable cannot be added, as Vercel words it. */
export type EnvRefusal = { code: string; message: string };

/**
 * A project's environment variables as Vercel keeps them: one record per key and set of targets
 * (the same key may hold a different value for production and for preview). A deployment takes
 * a copy of the values for its target when it is created; changes reach only later deployments.
 */
export class ProjectEnv {
  readonly records: EnvRecord[] = [];

  /** Adds, or with upsert replaces, the record for this key on these targets. */
  add(input: EnvInput, upsert: boolean, now = Date.now()): EnvRecord | EnvRefusal {
    const clash = this.records.find(
      (r) =>
        r.key === input.key &&
        r.gitBranch === input.gitBranch &&
        r.target.some((t) => input.target.includes(t)),
    );
    if (clash && !upsert) {
      return {
        code: "ENV_ALREADY_EXISTS",
        message: `A variable with the name \`${input.key}\` already exists for the target ${clash.target.join(",")} on branch ${input.gitBranch ?? "undefined"}`,
      };
    }
    if (clash) {
      Object.assign(clash, { value: input.value, type: input.type, target: input.target, updatedAt: now });
      return clash;
    }
    const record: EnvRecord = {
      id: randomBytes(12).toString("base64url").replace(/[-_]/g, "x"),
      ...input,
      createdAt: now,
      updatedAt: now,
    };
    this.records.push(record);
    return record;
  }

  remove(idOrKey: string): EnvRecord[] {
    const gone = this.records.filter((r) => r.id === idOrKey || r.key === idOrKey);
    for (const r of gone) this.records.splice(this.records.indexOf(r), 1);
    return gone;
  }

  /** What a deployment for this target builds with. */
  valuesFor(target: EnvTarget): Record<string, string> {
    return Object.fromEntries(
      this.records.filter((r) => r.target.includes(target)).map((r) => [r.key, r.value]),
    );
  }

  /**
   * The API's view of a record: sensitive values are never returned; others only with
   * decrypt=true (the listing otherwise carries an opaque ciphertext, as Vercel's does).
   */
  static wire(r: EnvRecord, decrypt: boolean): Envs {
    const readable = decrypt && r.type !== "sensitive";
    return {
      id: r.id,
      key: r.key,
      value: r.type === "sensitive" ? "" : readable ? r.value : Buffer.from(`enc:${r.id}`).toString("base64"),
      type: r.type,
      target: r.target,
      ...(r.gitBranch ? { gitBranch: r.gitBranch } : {}),
      configurationId: null,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      createdBy: null,
      updatedBy: null,
      ...(readable ? { decrypted: true } : {}),
      securityIssues: [],
    } as Envs;
  }
}
