import { execFileSync } from "node:child_process";
import { copyFileSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Review, StackReview } from "../../actions/lib/review/model.ts";
import { scratchRepo } from "../../sandbox/scratch-repo.ts";
import { execNode } from "../processes.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/garde.js");
const CANARY = "CANARY-9f3b2c-never-printed";

/** A product repository: garde's Pulumi.yaml and two of its reference stacks, committed on main. */
const productRepo = () =>
  scratchRepo("garde-diff-", (dir) => {
    for (const f of ["Pulumi.yaml", "Pulumi.prod.yaml", "Pulumi.dev.yaml"])
      copyFileSync(join(ROOT, f), join(dir, f));
  }).dir;

const edit = (path: string, change: (text: string) => string) => {
  const before = readFileSync(path, "utf8");
  const after = change(before);
  expect(after).not.toBe(before);
  writeFileSync(path, after);
};

const gitIn = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" }).trim();

const stackOf = (review: Review, name: string) => review.stacks.find((s) => s.stack === name) as StackReview;

describe("garde plan --diff BASE", () => {
  let repo: string;
  let json: { code: number; stdout: string; stderr: string };
  let text: { code: number; stdout: string; stderr: string };
  let review: Review;

  beforeAll(async () => {
    repo = productRepo();
    const prod = join(repo, "Pulumi.prod.yaml");
    // The PR: prod's latency threshold raised, a secret added, a secret item removed, the Slack
    // token re-keyed (a canary inside its ciphertext), a staging stack added, dev removed.
    edit(prod, (t) =>
      t.replace(
        "    uptimePeriodSeconds: 60\n",
        "    uptimePeriodSeconds: 60\n    thresholds: { latency-p95: 3000 }\n",
      ),
    );
    edit(prod, (t) =>
      t.replace(
        "      - { name: api-token, rotationDays: 30 }\n",
        "      - { name: stripe-key, rotationDays: 60 }\n",
      ),
    );
    edit(prod, (t) =>
      t.replace(/(garde-secrets:SLACK_TOKEN:\n\s+secure: )\S+/, `$1v1:${CANARY}:bmV3LWNpcGhlcnRleHQ=`),
    );
    copyFileSync(join(ROOT, "Pulumi.staging.yaml"), join(repo, "Pulumi.staging.yaml"));
    unlinkSync(join(repo, "Pulumi.dev.yaml"));
    [json, text] = await Promise.all([
      execNode([BIN, "plan", "--diff", "main", "--json"], {}, repo),
      execNode([BIN, "plan", "--diff", "main"], {}, repo),
    ]);
    review = JSON.parse(json.stdout) as Review;
  }, 120_000);

  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it("shows a changed alert threshold as one update of the policy, with its path, old and new value", () => {
    expect(json.code, json.stderr).toBe(0);
    const prod = stackOf(review, "prod");
    const alerts = [...prod.updates, ...prod.replaces, ...prod.creates, ...prod.deletes].filter(
      (r) => r.type === "gcp:monitoring/alertPolicy:AlertPolicy",
    );
    expect(alerts).toHaveLength(1);
    const latency = prod.updates.find((u) => u.urn.endsWith("::shop-prod-alerts-latency-p95"));
    expect(latency?.diffs).toContainEqual({
      path: "conditions[0].conditionThreshold.thresholdValue",
      kind: "update",
      old: 2000,
      new: 3000,
    });
    expect(text.stdout).toContain("conditions[0].conditionThreshold.thresholdValue: 2000 → 3000");
    expect(review).toMatchObject({ base: "main", baseProgram: "installed" });
    expect(review.baseCommit).toMatch(/^[0-9a-f]{40}$/);
  });

  it("reports a new secret as creates, a removed one as deletes, and stacks added or removed", () => {
    const prod = stackOf(review, "prod");
    expect(prod.status).toBe("changed");
    expect(prod.creates.map((c) => c.urn)).toContainEqual(
      expect.stringMatching(/::shop-prod-secrets-stripe-key$/),
    );
    expect(prod.deletes.map((c) => c.urn)).toContainEqual(
      expect.stringMatching(/::shop-prod-secrets-api-token$/),
    );
    expect(stackOf(review, "staging")).toMatchObject({ status: "added", deletes: [], unchanged: 0 });
    expect(stackOf(review, "staging").creates.length).toBeGreaterThan(50);
    expect(stackOf(review, "dev")).toMatchObject({ status: "removed", creates: [] });
    expect(stackOf(review, "dev").deletes.length).toBeGreaterThan(40);
    expect(text.stdout).toMatch(/stack staging \(new: not at base\): \d+ to create/);
    expect(text.stdout).toMatch(
      /stack dev \(removed: only at base\): 0 to create, 0 to update, 0 to replace, \d+ to delete/,
    );
    // Deletes and replaces come before updates and creates.
    const body = text.stdout.slice(text.stdout.indexOf("stack prod"));
    expect(body.indexOf("- delete")).toBeLessThan(body.indexOf("~ update"));
    expect(body.indexOf("~ update")).toBeLessThan(body.indexOf("+ create"));
  });

  it("shows a re-keyed secret as [secret] → [secret], and its ciphertext nowhere", () => {
    const slack = stackOf(review, "prod").updates.find((u) =>
      u.urn.endsWith("::shop-prod-alerts-slack-main"),
    );
    expect(slack?.diffs).toEqual([
      { path: "sensitiveLabels", kind: "update", old: "[secret]", new: "[secret]" },
    ]);
    expect(text.stdout).toContain('sensitiveLabels: "[secret]" → "[secret]"');
    for (const out of [json, text]) {
      expect(out.stdout).not.toContain(CANARY);
      expect(out.stderr).not.toContain(CANARY);
    }
  });

  it("exits 2 naming a revision git does not know, before evaluating anything", async () => {
    const r = await execNode([BIN, "plan", "--diff", "origin/no-such-branch"], {}, repo);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("git does not know the revision origin/no-such-branch");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const both = await execNode(
      [BIN, "plan", "--diff", "main", "--policy-pack-config", "--stack", "prod"],
      {},
      repo,
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--diff and --policy-pack-config");
  });

  it("exits 1 when the head breaks a mandatory policy, and lists the violation with the changes", async () => {
    const dir = productRepo();
    try {
      edit(join(dir, "Pulumi.prod.yaml"), (t) =>
        t.replace(
          "      - { key: NEXT_PUBLIC_API_URL,",
          "      - { key: STRIPE_SECRET_KEY, targets: [production], value: sk_live_plain }\n      - { key: NEXT_PUBLIC_API_URL,",
        ),
      );
      const r = await execNode([BIN, "plan", "--diff", "main", "--stack", "prod", "--json"], {}, dir);
      expect(r.code, r.stderr).toBe(1);
      const prod = stackOf(JSON.parse(r.stdout) as Review, "prod");
      expect(prod.policies).toContainEqual(
        expect.objectContaining({ policy: "vercel-secret-env-sensitive", enforcement: "mandatory" }),
      );
      expect(prod.creates.map((c) => c.type)).toContain(
        "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
      );
      expect(r.stdout).not.toContain("sk_live_plain");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it.each([
    // The program as committed: evaluated in this process, as the installed one is.
    ["HEAD", "the same program"],
    // The commit before the program last changed: its own program, in a child process.
    [
      `${gitIn(ROOT, "rev-list", "-1", "HEAD", "--", "infra", "policies", "actions/lib")}^`,
      "an older program",
    ],
  ])(
    "in garde's own repository, evaluates the base %s (%s) with the base revision's own program",
    async (base) => {
      const r = await execNode([BIN, "plan", "--diff", base, "--stack", "dev", "--json"], {}, ROOT);
      expect(r.code, r.stderr).toBe(0);
      const own = JSON.parse(r.stdout) as Review;
      expect(own.baseProgram).toBe("revision");
      expect(stackOf(own, "dev").status).not.toBe("added");
      expect(stackOf(own, "dev").unchanged).toBeGreaterThan(0);
    },
    60_000,
  );
});
