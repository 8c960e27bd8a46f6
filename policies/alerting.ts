import * as gcp from "@pulumi/gcp";
import {
  type PolicyResource,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
  validateResourceOfType,
} from "@pulumi/policy";
import { at } from "./props.ts";

/** Alerting: production is watched from outside, and every alert reaches someone. */

const ALERT = "gcp:monitoring/alertPolicy:AlertPolicy";
const UPTIME = "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig";

/** The severity garde writes as a user label (p1…p4), else Cloud Monitoring's own field. */
function severityOf(policy: { userLabels?: Record<string, string>; severity?: string }): string {
  const label = policy.userLabels?.severity;
  if (label) return label.toUpperCase();
  return { CRITICAL: "P1", ERROR: "P2", WARNING: "P3" }[policy.severity ?? ""] ?? "unset";
}

/**
 * Production hosts the public reaches: Vercel's production domains (not redirects, not branch
 * domains: a gitBranch domain serves that branch's previews, not production) and Ingress rules.
 */
function publicHosts(resources: PolicyResource[]): { host: string; resource: PolicyResource }[] {
  const hosts: { host: string; resource: PolicyResource }[] = [];
  for (const r of resources) {
    if (r.type === "vercel:index/projectDomain:ProjectDomain" && !r.props.redirect && !r.props.gitBranch)
      hosts.push({ host: String(r.props.domain), resource: r });
    if (r.type === "kubernetes:networking.k8s.io/v1:Ingress")
      for (const rule of (at(r.props, "spec.rules") as { host?: string }[] | undefined) ?? [])
        if (rule.host) hosts.push({ host: rule.host, resource: r });
  }
  return hosts;
}

export const prodUptimeChecks: StackValidationPolicy = {
  name: "prod-uptime-check",
  description:
    "Every public production host has an uptime check: the site being down is seen from outside first.",
  severity: "high",
  tags: ["alerting", "production"],
  remediationSteps:
    "List the host's health paths in garde:alerts.uptimePaths: [/healthz] for every host, or per host ({ api.example.com: [/healthz] }).",
  configSchema: { properties: {} },
  validateStack: (args, report) => {
    const checked = new Set(
      args.resources
        .filter((r) => r.type === UPTIME)
        .map((u) => at(u.props, "monitoredResource.labels.host")),
    );
    for (const { host, resource } of publicHosts(args.resources))
      if (!checked.has(host)) report(`${host} is public and no uptime check watches it`, resource.urn);
  },
};

export const prodP1Alert: StackValidationPolicy = {
  name: "prod-p1-alert",
  description:
    "A production stack has at least one P1 alert with a notification channel: someone is woken when it breaks.",
  severity: "critical",
  tags: ["alerting", "production"],
  remediationSteps:
    "Configure garde:alerts with channels (sms, pagerduty or slack for P1): the catalogue's availability and error-rate alerts are P1.",
  configSchema: { properties: {} },
  validateStack: (args, report) => {
    const alerts = args.resources.filter((r) => r.type === ALERT);
    const p1 = alerts.filter((a) => severityOf(a.props) === "P1");
    if (!p1.length) report(`no P1 alert among ${alerts.length} alert policies: nothing pages anyone`);
    else if (!p1.some((a) => (a.props.notificationChannels ?? []).length))
      report(`${p1.length} P1 alert(s) and none has a notification channel: they page nobody`);
  },
};

export const alertRouted: ResourceValidationPolicy = {
  name: "alert-routed",
  description: "Every alert policy, whatever its severity, notifies at least one channel.",
  severity: "medium",
  tags: ["alerting"],
  remediationSteps:
    "Add a channel that routes this severity in garde:alerts.channels (P1 → sms/pagerduty/slack, P2 → slack, P3/P4 → email).",
  configSchema: { properties: {} },
  validateResource: validateResourceOfType(gcp.monitoring.AlertPolicy, (alert, _args, report) => {
    if (!alert.notificationChannels?.length)
      report(
        `${severityOf(alert)} alert "${alert.displayName}" has no notification channel: it fires and nobody hears`,
      );
  }),
};

export const ALERTING_POLICIES = [prodUptimeChecks, prodP1Alert, alertRouted];
