/**
 * Incidents and who hears of them, after the Cesizen severity matrix:
 * P1 critical: Slack, email and the on-call (SMS) at once; P2 major: Slack within 5 min, email
 * within 10; P3 minor: grouped, daily digest; P4 info: grouped, weekly digest.
 */
export const SEVERITIES = ["P1", "P2", "P3", "P4"] as const;
export type Severity = (typeof SEVERITIES)[number];

export type Channel = "slack" | "email" | "sms" | "github-issue";

export const ROUTING: Record<Severity, { immediate: readonly Channel[]; digest: "daily" | "weekly" | null }> =
  {
    P1: { immediate: ["slack", "email", "sms", "github-issue"], digest: null },
    P2: { immediate: ["slack", "email", "github-issue"], digest: null },
    P3: { immediate: [], digest: "daily" },
    P4: { immediate: [], digest: "weekly" },
  };

export interface TimelineEntry {
  /** ISO time. */
  at: string;
  event: string;
}

export interface Incident {
  severity: Severity;
  /** One line, e.g. "P1: production rolled back from dpl_a to dpl_b". */
  title: string;
  summary: string;
  environment: string;
  timeline: TimelineEntry[];
  /** Related links (run, deployment). */
  links: { label: string; url: string }[];
}

export interface Notifier {
  readonly channel: Channel;
  readonly name: string;
  send(incident: Incident): Promise<void>;
}

export interface Notification {
  notifier: string;
  sent: boolean;
  detail: string;
}

/** Sends to every notifier the severity routes to now; a notifier failing never stops the others. */
export async function notifyAll(incident: Incident, notifiers: readonly Notifier[]): Promise<Notification[]> {
  const route = ROUTING[incident.severity];
  return Promise.all(
    notifiers.map(async (n): Promise<Notification> => {
      if (!route.immediate.includes(n.channel)) {
        return {
          notifier: n.name,
          sent: false,
          detail: `${incident.severity} goes to the ${route.digest ?? "next"} digest`,
        };
      }
      try {
        await n.send(incident);
        return { notifier: n.name, sent: true, detail: "sent" };
      } catch (err) {
        return { notifier: n.name, sent: false, detail: `failed: ${(err as Error).message ?? String(err)}` };
      }
    }),
  );
}
