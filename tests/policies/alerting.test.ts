import { describe, expect, it } from "vitest";
import { alertRouted, prodP1Alert, prodUptimeChecks } from "../../policies/alerting.ts";
import { type Fake, resourceViolations, stackViolations } from "./util.ts";

const alert = (severity: string, channels: string[]): Fake => ({
  type: "gcp:monitoring/alertPolicy:AlertPolicy",
  name: `alert-${severity}`,
  props: {
    displayName: `[${severity}] shop prod: site down`,
    userLabels: { severity: severity.toLowerCase() },
    notificationChannels: channels,
  },
});
const domain: Fake = {
  type: "vercel:index/projectDomain:ProjectDomain",
  name: "web-domain",
  props: { domain: "shop.example.com" },
};
const uptime = (host: string): Fake => ({
  type: "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig",
  props: { monitoredResource: { type: "uptime_url", labels: { host } } },
});

describe("prod-uptime-check", () => {
  it("passes a public host with an uptime check", async () => {
    expect(await stackViolations(prodUptimeChecks, [domain, uptime("shop.example.com")])).toEqual([]);
  });

  it("leaves a branch domain (previews of one branch) to its own stack", async () => {
    const branch: Fake = {
      type: "vercel:index/projectDomain:ProjectDomain",
      name: "web-domain-staging",
      props: { domain: "staging.shop.example.com", gitBranch: "develop" },
    };
    expect(await stackViolations(prodUptimeChecks, [domain, uptime("shop.example.com"), branch])).toEqual([]);
    const asProduction = { ...branch, props: { domain: "staging.shop.example.com" } };
    expect(
      await stackViolations(prodUptimeChecks, [domain, uptime("shop.example.com"), asProduction]),
    ).toEqual(["web-domain-staging: staging.shop.example.com is public and no uptime check watches it"]);
  });

  it("fails an Ingress host nobody watches", async () => {
    const ingress: Fake = {
      type: "kubernetes:networking.k8s.io/v1:Ingress",
      name: "api-ingress",
      props: { spec: { rules: [{ host: "api.shop.example.com" }] } },
    };
    expect(await stackViolations(prodUptimeChecks, [domain, uptime("shop.example.com"), ingress])).toEqual([
      "api-ingress: api.shop.example.com is public and no uptime check watches it",
    ]);
  });
});

describe("prod-p1-alert", () => {
  it("passes a P1 alert with a channel", async () => {
    expect(await stackViolations(prodP1Alert, [alert("P1", ["sms-id"]), alert("P3", ["email-id"])])).toEqual(
      [],
    );
  });

  it("fails a stack with no P1", async () => {
    expect(await stackViolations(prodP1Alert, [alert("P3", ["email-id"])])).toEqual([
      "no P1 alert among 1 alert policies: nothing pages anyone",
    ]);
  });

  it("fails P1 alerts that page nobody", async () => {
    expect(await stackViolations(prodP1Alert, [alert("P1", [])])).toEqual([
      "1 P1 alert(s) and none has a notification channel: they page nobody",
    ]);
  });
});

describe("alert-routed", () => {
  it("passes an alert with a channel", async () => {
    expect(await resourceViolations(alertRouted, alert("P4", ["email-id"]))).toEqual([]);
  });

  it("fails one with none, naming its severity", async () => {
    expect(await resourceViolations(alertRouted, alert("P2", []))).toEqual([
      'P2 alert "[P2] shop prod: site down" has no notification channel: it fires and nobody hears',
    ]);
  });
});
