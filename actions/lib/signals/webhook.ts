import { request } from "undici";
import type { AlertSignal } from "./signal.ts";

export interface WebhookAlert {
  name?: string;
  labels?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  status?: { state?: string } | string;
}

/**
 * Go's zero time: Alertmanager's webhook payload sends it as the endsAt of an alert that has
 * not ended. It is "unset", not a date in year 1.
 */
const GO_ZERO_TIME = "0001-01-01T00:00:00Z";

/** States in which an alert is firing and not silenced, in either of Alertmanager's formats. */
const FIRING_STATES = new Set(["active", "firing"]);

/**
 * Whether an alert says the release is failing. Each doubt counts against firing, since a false
 * positive rolls back a healthy release and pages someone at night:
 * - a state other than active/firing (suppressed: silenced or inhibited; resolved) is not firing;
 * - no startsAt, or one garde cannot read, cannot prove the alert began during the watch;
 * - an endsAt in the past is a resolved alert (Alertmanager keeps them a while).
 */
export function isActiveSince(alert: WebhookAlert, since: number, now: number): boolean {
  const state = typeof alert.status === "string" ? alert.status : alert.status?.state;
  if (state !== undefined && !FIRING_STATES.has(state)) return false;
  if (!alert.startsAt) return false;
  const startsAt = Date.parse(alert.startsAt);
  if (Number.isNaN(startsAt) || startsAt < since) return false;
  if (alert.endsAt && alert.endsAt !== GO_ZERO_TIME) {
    const endsAt = Date.parse(alert.endsAt);
    if (!Number.isNaN(endsAt) && endsAt <= now) return false;
  }
  return true;
}

/**
 * A URL that answers the firing alerts: Alertmanager's GET /api/v2/alerts (an array) or
 * {"alerts": [...]} with name/labels.alertname, startsAt, endsAt and an optional status.
 */
export class WebhookSignal implements AlertSignal {
  readonly name = "alert webhook";
  private readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly now: () => number;

  constructor(url: string, headers: Record<string, string> = {}, now: () => number = Date.now) {
    this.url = url;
    this.headers = headers;
    this.now = now;
  }

  async firing(since: Date): Promise<string[]> {
    const response = await request(this.url, {
      headers: { accept: "application/json", ...this.headers },
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    if (response.statusCode >= 400) {
      await response.body.dump();
      throw new Error(`the alert webhook answered ${response.statusCode}`);
    }
    const data = (await response.body.json()) as WebhookAlert[] | { alerts?: WebhookAlert[] } | null;
    const alerts = Array.isArray(data) ? data : (data?.alerts ?? []);
    if (!Array.isArray(alerts)) throw new Error("the alert webhook answered no list of alerts");
    const now = this.now();
    return alerts
      .filter((a) => typeof a === "object" && a !== null && isActiveSince(a, since.getTime(), now))
      .map((a) => a.name ?? a.labels?.alertname ?? "unnamed alert");
  }
}
