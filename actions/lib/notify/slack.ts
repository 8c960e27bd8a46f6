import { PlatformError } from "../errors.ts";
import type { Clock, Reporter } from "../reporter.ts";
import { parseRetryAfter, type RetryPolicy, withRetry } from "../retry.ts";
import type { Incident, Notifier } from "./incident.ts";

const EMOJI = {
  P1: ":rotating_light:",
  P2: ":warning:",
  P3: ":large_blue_circle:",
  P4: ":white_circle:",
} as const;

/** Slack incoming webhook. The URL is a credential: callers mask it; errors never include it. */
export class SlackNotifier implements Notifier {
  readonly channel = "slack" as const;
  readonly name = "Slack";
  private readonly opts: { webhookUrl: string; clock: Clock; reporter: Reporter; retry: RetryPolicy };

  constructor(opts: { webhookUrl: string; clock: Clock; reporter: Reporter; retry: RetryPolicy }) {
    this.opts = opts;
  }

  static message(incident: Incident) {
    const timeline = incident.timeline.map((t) => `• \`${t.at.slice(11, 19)}\` ${t.event}`).join("\n");
    const links = incident.links.map((l) => `<${l.url}|${l.label}>`).join(" · ");
    return {
      text: `${EMOJI[incident.severity]} ${incident.title}`,
      blocks: [
        { type: "header", text: { type: "plain_text", text: incident.title.slice(0, 150) } },
        { type: "section", text: { type: "mrkdwn", text: incident.summary.slice(0, 2900) } },
        { type: "section", text: { type: "mrkdwn", text: `*Timeline*\n${timeline}`.slice(0, 2900) } },
        ...(links ? [{ type: "context", elements: [{ type: "mrkdwn", text: links }] }] : []),
      ],
    };
  }

  async send(incident: Incident): Promise<void> {
    await withRetry(
      `post the ${incident.severity} incident to Slack`,
      async () => {
        const response = await fetch(this.opts.webhookUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(SlackNotifier.message(incident)),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await response.text();
        if (!response.ok)
          throw Object.assign(new Error(text.slice(0, 100)), {
            status: response.status,
            headers: response.headers,
          });
      },
      (err) => {
        const e = err as { status?: number; headers?: Headers; name?: string };
        if (e.status) {
          return {
            retryable: e.status === 429 || e.status >= 500,
            status: e.status,
            retryAfterMs: parseRetryAfter(e.headers?.get("retry-after"), this.opts.clock.now()),
            detail: `HTTP ${e.status} ${(err as Error).message}`,
          };
        }
        // fetch's own errors can quote the URL, which is a credential: keep only the kind.
        return {
          retryable: true,
          detail: e.name === "TimeoutError" ? "no answer within 10 s" : "the webhook could not be reached",
        };
      },
      { policy: this.opts.retry, clock: this.opts.clock, reporter: this.opts.reporter },
    ).catch((err: unknown) => {
      throw err instanceof PlatformError ? err : new Error("Slack notification failed");
    });
  }
}
