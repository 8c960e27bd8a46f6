import { request } from "undici";
import type { AlertSignal } from "./signal.ts";

interface WebhookAlert {
  name?: string;
  labels?: Record<string, string>;
  startsAt?: string;
  status?: { state?: string } | string;
}

/**
 * A URL that answers the firing alerts: Alertmanager's GET /api/v2/alerts (an array) or
 * {"alerts": [...]} with name/labels.alertname, startsAt and an optional status.
 */
export class WebhookSignal implements AlertSignal {
  readonly name = "alert webhook";
  private readonly url: string;
  private readonly headers: Record<string, string>;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.url = url;
    this.headers = headers;
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
    const data = (await response.body.json()) as WebhookAlert[] | { alerts?: WebhookAlert[] };
    const alerts = Array.isArray(data) ? data : (data.alerts ?? []);
    return alerts
      .filter((a) => {
        const state = typeof a.status === "string" ? a.status : a.status?.state;
        return (
          (state === undefined || state === "active" || state === "firing") &&
          (!a.startsAt || Date.parse(a.startsAt) >= since.getTime())
        );
      })
      .map((a) => a.name ?? a.labels?.alertname ?? "unnamed alert");
  }
}
