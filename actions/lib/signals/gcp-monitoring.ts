import type { AuthClient } from "google-auth-library";
import type { AlertSignal } from "./signal.ts";

interface MonitoringAlert {
  name: string;
  state: string;
  openTime?: string;
  closeTime?: string;
  policy?: { displayName?: string; severity?: string };
}

/**
 * Open incidents of Cloud Monitoring alert policies. The client library has no method for them,
 * so this uses the REST API, authenticated by google-auth-library (ADC on a runner, workload
 * identity from the GitHub OIDC token).
 */
export class GcpMonitoringSignal implements AlertSignal {
  readonly name = "Cloud Monitoring";
  private readonly opts: {
    project: string;
    apiUrl: string;
    auth: AuthClient;
    severities?: readonly string[];
  };

  constructor(opts: { project: string; apiUrl: string; auth: AuthClient; severities?: readonly string[] }) {
    this.opts = opts;
  }

  async firing(since: Date): Promise<string[]> {
    const alerts: MonitoringAlert[] = [];
    let pageToken: string | undefined;
    do {
      const response = await this.opts.auth.request<{ alerts?: MonitoringAlert[]; nextPageToken?: string }>({
        url: `${this.opts.apiUrl.replace(/\/$/, "")}/v3/projects/${encodeURIComponent(this.opts.project)}/alerts`,
        params: { filter: 'state="OPEN"', ...(pageToken ? { pageToken } : {}) },
        timeout: 10_000,
      });
      alerts.push(...(response.data.alerts ?? []));
      pageToken = response.data.nextPageToken || undefined;
    } while (pageToken);
    return alerts
      .filter((a) => openedSince(a, since.getTime()))
      .filter((a) => !this.opts.severities || this.opts.severities.includes(a.policy?.severity ?? ""))
      .map((a) => `${a.policy?.displayName ?? a.name}${a.policy?.severity ? ` (${a.policy.severity})` : ""}`);
  }
}

/**
 * An incident counts only when it is open and provably opened during the watch: one without a
 * readable openTime, or already closed, could be anything and must not roll back a release.
 */
function openedSince(alert: MonitoringAlert, since: number): boolean {
  if (alert.state !== "OPEN" || alert.closeTime) return false;
  const opened = alert.openTime ? Date.parse(alert.openTime) : Number.NaN;
  return !Number.isNaN(opened) && opened >= since;
}
