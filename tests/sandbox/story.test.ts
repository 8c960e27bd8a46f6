import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

describe("npm start", () => {
  it("tells the GitFlow story end to end, exits 0 and leaves nothing behind", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "sandbox/story.ts"], {
      cwd: root,
      timeout: 80_000,
    });
    expect(stdout).toMatch(
      /0\. garde plan[\s\S]*prod\s+\d+ resources · \d+ alerts \(P1 → sms, slack, email, pagerduty\) · 4 schedules · 3 rotated secrets/,
    );
    expect(stdout).toMatch(
      /10\. The tenants API on Kubernetes[\s\S]*✓ production [0-9a-f]{12}-\w+: staged on api-server-staged, checked, promoted[\s\S]*api-gateway\s+LoadBalancer/,
    );
    expect(stdout).toMatch(
      /✓ rolled-back from ([0-9a-f]{12}-\w+) to ([0-9a-f]{12}-\w+), \d+\.\d s after 2\.1\.0 went live/,
    );
    expect(stdout).toMatch(
      /REVISION {2}CHANGE-CAUSE[\s\S]*garde rollback to [0-9a-f]{12}-\w+ \(revision \d+\)/,
    );
    expect(stdout).toMatch(
      /✓ garde maintenance on: READ_ONLY_MODE=false → READ_ONLY_MODE=true, rolled out; POST \/api\/orders → 503/,
    );
    expect(stdout).toMatch(/✓ garde maintenance on again: already on, no rollout/);
    expect(stdout).toMatch(
      /✓ garde rate-limit 100: .* 50 → 100, pods restarted; the gateway answers x-ratelimit-limit: 100/,
    );
    expect(stdout).toMatch(/1\. A feature PR gets a preview[\s\S]*✓ preview dpl_/);
    expect(stdout).toMatch(/2\. .*develop reaches staging[\s\S]*✓ staging dpl_/);
    expect(stdout).toMatch(/4\. .*production[\s\S]*Promoted dpl_\w+ to production[\s\S]*✓ production dpl_/);
    expect(stdout).toMatch(/→ 200 "<!doctype html>/);
    expect(stdout).toMatch(/#\d+ production success/);
    expect(stdout).toMatch(/✓\s+load 50 requests at 5\s+0\.0% errors/);
    expect(stdout).toMatch(
      /5\. A build whose health check fails[\s\S]*✗\s+health \(GET \/healthz\)[\s\S]*production still serves dpl_\w+ \(unchanged\)/,
    );
    expect(stdout).toMatch(/#\d+ production failure/);
    // The load phase that did not run shows no figures, not zeros.
    expect(stdout).toMatch(/✗\s+load 50 requests at 5\s+—\s+—\s+—\s+not run: a check failed/);
    expect(stdout).not.toMatch(/version null|API token: ;|p95 0 ms · p99 0 ms {2}0 req\/s/);
    expect(stdout).toMatch(/✓ known-good: \d+ rounds over 3 s/);
    expect(stdout).toMatch(
      /6\. Release 1\.2\.0[\s\S]*✗ status api: status 500[\s\S]*✓ rolled-back from dpl_\w+ to dpl_\w+/,
    );
    expect(stdout).toMatch(
      /detected \d+\.\d s after 1\.2\.0 went live; known-good serving again \d+\.\d s after/,
    );
    expect(stdout).toMatch(/Slack: :rotating_light: P1: production rolled back from dpl_\w+ to dpl_\w+/);
    expect(stdout).toMatch(/GitHub issue #1: P1: production rolled back/);
    expect(stdout).toMatch(
      /7\. Keys are rotated under load[\s\S]*✓ database credential: created → set → tested → finished; the app now logs in as app_green/,
    );
    expect(stdout).toMatch(
      /✓ API token api-token \(Vercel API_TOKEN, the old one kept as API_TOKEN_PREVIOUS\): created → set → tested → finished; version 1 is current, production rebuilt[\s\S]*after the grace: the value before it revoked \(revoking → idle\), production rebuilt without API_TOKEN_PREVIOUS/,
    );
    expect(stdout).toMatch(/database \d+ queries served, 0 failed; API \d+ requests served, 0 failed/);
    expect(stdout).toMatch(
      /8\. The shop's database is backed up[\s\S]*✓ garde backup → gs:\/\/shop-prod-backups\/postgres\/[\w-]+\/[\s\S]*Encryption:\s+age to age1/,
    );
    expect(stdout).toMatch(/✓ garde drill: passed \([\w-]+\)/);
    expect(stdout).toMatch(/✓\s+public\.order_lines\s+60000\s+60000/);
    expect(stdout).toMatch(/✓\s+check: no order line without its order\s+\{"equals":0\}\s+0/);
    expect(stdout).toMatch(
      /9\. A PR raises prod's latency threshold[\s\S]*garde plan --stack prod --diff main\s+\(exit 0[\s\S]*conditions\[0\]\.conditionThreshold\.thresholdValue: 2000 → 3000[\s\S]*\+ create\s+gcp:secretmanager\/secret:Secret shop-prod-secrets-stripe-key/,
    );
    expect(stdout).toMatch(
      /✓ PR #\d+: comment created at https:\/\/github\.com\/acme\/shop\/pull\/\d+#issuecomment-\d+/,
    );
    expect(stdout).toMatch(/│ <!-- garde:infra-review stack=prod -->/);
    expect(stdout).toMatch(
      /✓ second push: comment updated in place \(same comment, 1 on the PR\); it now reads thresholdValue 2000 → 2500/,
    );
    const repo = /app repo (\S+)/.exec(stdout)?.[1];
    expect(repo).toBeTruthy();
    expect(existsSync(repo as string)).toBe(false);
  }, 90_000);
});
