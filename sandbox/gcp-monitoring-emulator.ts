import { randomBytes } from "node:crypto";
import { type EmulatorResponse, JsonRouter, type ListenOptions } from "./http-server.ts";

interface Alert {
  name: string;
  state: "OPEN" | "CLOSED";
  openTime: string;
  closeTime?: string;
  policy: { name: string; displayName: string; severity: "CRITICAL" | "ERROR" | "WARNING" };
}

/** Cloud Monitoring's v3 alerts list (GET /v3/projects/{p}/alerts, filter state="OPEN"). */
export class GcpMonitoringEmulator {
  readonly router = new JsonRouter();
  readonly alerts: Alert[] = [];
  url = "";
  private readonly project: string;
  private readonly scheduled: {
    afterPolls: number;
    displayName: string;
    severity: Alert["policy"]["severity"];
  }[] = [];
  private polls = 0;

  constructor(project: string) {
    this.project = project;
    this.router.on("GET", "/v3/projects/:project/alerts", (r) => this.list(r.params.project ?? "", r.query));
  }

  async start(opts: ListenOptions = {}): Promise<string> {
    this.url = await this.router.listen(opts);
    return this.url;
  }

  /** Opens an incident on a policy, as Monitoring does when a condition holds for its duration. */
  open(displayName: string, severity: Alert["policy"]["severity"] = "CRITICAL", at = new Date()): Alert {
    const id = randomBytes(8).toString("hex");
    const alert: Alert = {
      name: `projects/${this.project}/alerts/${id}`,
      state: "OPEN",
      openTime: at.toISOString(),
      policy: { name: `projects/${this.project}/alertPolicies/${id}`, displayName, severity },
    };
    this.alerts.push(alert);
    return alert;
  }

  /** Opens an incident when the alerts have been listed `afterPolls` times: mid-watch, deterministically. */
  openAfterPolls(
    afterPolls: number,
    displayName: string,
    severity: Alert["policy"]["severity"] = "CRITICAL",
  ): void {
    this.scheduled.push({ afterPolls, displayName, severity });
  }

  closeAll(): void {
    for (const a of this.alerts)
      if (a.state === "OPEN") Object.assign(a, { state: "CLOSED", closeTime: new Date().toISOString() });
  }

  private list(project: string, q: URLSearchParams): EmulatorResponse {
    if (project !== this.project) {
      return {
        status: 403,
        body: {
          error: {
            code: 403,
            message: `Permission denied on project ${project}`,
            status: "PERMISSION_DENIED",
          },
        },
      };
    }
    this.polls++;
    for (const s of this.scheduled.filter((x) => x.afterPolls < this.polls)) {
      this.open(s.displayName, s.severity);
      this.scheduled.splice(this.scheduled.indexOf(s), 1);
    }
    const filter = q.get("filter") ?? "";
    const wantOpen = /state\s*=\s*"OPEN"/.test(filter);
    return {
      status: 200,
      body: { alerts: this.alerts.filter((a) => !wantOpen || a.state === "OPEN"), nextPageToken: "" },
    };
  }

  async stop(): Promise<void> {
    await this.router.close();
  }
}
