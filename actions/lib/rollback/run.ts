import { PassThroughClient } from "google-auth-library";
import { isLoopbackUrl } from "../loopback.ts";
import { GitHubIssueNotifier } from "../notify/github-issue.ts";
import type { Notifier } from "../notify/incident.ts";
import { SlackNotifier } from "../notify/slack.ts";
import { type Clock, type Reporter, systemClock } from "../reporter.ts";
import { defaultRetryPolicy, type RetryPolicy } from "../retry.ts";
import type { AlertSignal } from "../signals/signal.ts";
import { WebhookSignal } from "../signals/webhook.ts";
import { smokeGate } from "../smoke/gate.ts";
import type { EnvLookup } from "../smoke/secrets.ts";
import { connectPlatform } from "../targets/connect.ts";
import type { RollbackConfig } from "./config.ts";
import { guardRelease, type RollbackDeps, type RollbackOutcome, rollBack } from "./rollback.ts";
import { watchRelease } from "./watch.ts";

export interface RollbackRunOptions {
  reporter: Reporter;
  env: EnvLookup;
  clock?: Clock;
  retry?: RetryPolicy;
  /** Who asked, for a manual rollback's default reason. */
  actor?: string | undefined;
}

async function gcpAuth(apiUrl: string) {
  // An emulator on this machine takes no credentials; Google's API gets Application Default Credentials.
  if (isLoopbackUrl(apiUrl)) return new PassThroughClient();
  const { GoogleAuth } = await import("google-auth-library");
  return new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/monitoring.read"] }).getClient();
}

/** Wires the production adapters from a validated config, then watches or rolls back. */
export async function runRollback(
  config: RollbackConfig,
  opts: RollbackRunOptions,
): Promise<RollbackOutcome> {
  const clock = opts.clock ?? systemClock;
  const retry = opts.retry ?? defaultRetryPolicy;
  const ctx = { clock, reporter: opts.reporter, retry };
  const { target, github } = connectPlatform(config, { ...ctx, actor: opts.env.GITHUB_ACTOR });
  const notifiers: Notifier[] = [];
  if (config.slackWebhookUrl)
    notifiers.push(new SlackNotifier({ webhookUrl: config.slackWebhookUrl, ...ctx }));
  if (config.githubIssue) {
    notifiers.push(
      new GitHubIssueNotifier({
        token: config.github.token,
        apiUrl: config.github.apiUrl,
        repository: config.github.repository,
        ...ctx,
      }),
    );
  }
  const signals: AlertSignal[] = [];
  if (config.alertWebhookUrl) signals.push(new WebhookSignal(config.alertWebhookUrl, {}, () => clock.now()));
  if (config.gcpMonitoring) {
    const { GcpMonitoringSignal } = await import("../signals/gcp-monitoring.ts");
    signals.push(
      new GcpMonitoringSignal({ ...config.gcpMonitoring, auth: await gcpAuth(config.gcpMonitoring.apiUrl) }),
    );
  }
  const { runSmoke } = await import("../smoke/runner.ts");
  const deps: RollbackDeps = {
    target,
    github,
    verify: smokeGate(
      { ...config.smoke, load: undefined },
      { clock, reporter: opts.reporter, env: opts.env },
    ),
    watch: (url) =>
      watchRelease(url, {
        smoke: config.smoke,
        run: runSmoke,
        signals,
        policy: config.policy,
        clock,
        reporter: opts.reporter,
        env: opts.env,
      }),
    notifiers,
    clock,
    reporter: opts.reporter,
    productionUrl: config.productionUrl,
    runUrl: config.logUrl,
  };
  if (config.to) {
    const reason = config.reason ?? `manual rollback${opts.actor ? ` by ${opts.actor}` : ""}`;
    return rollBack({ to: config.to, from: config.deploymentId, reason, trigger: "manual" }, deps);
  }
  return guardRelease(config.deploymentId, deps);
}
