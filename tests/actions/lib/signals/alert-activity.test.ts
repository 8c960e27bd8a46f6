import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { AuthClient } from "google-auth-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GcpMonitoringSignal } from "../../../../actions/lib/signals/gcp-monitoring.ts";
import { isActiveSince, type WebhookAlert, WebhookSignal } from "../../../../actions/lib/signals/webhook.ts";

const WATCH_START = Date.parse("2026-12-04T10:00:00Z");
const NOW = WATCH_START + 60_000;
const during = new Date(WATCH_START + 30_000).toISOString();
const before = new Date(WATCH_START - 30_000).toISOString();

describe("an Alertmanager alert counts against a release only when it provably fires during the watch", () => {
  it.each<[string, WebhookAlert, boolean]>([
    ["active, started during the watch", { startsAt: during, status: { state: "active" } }, true],
    [
      "webhook format, firing, endsAt Go's zero time",
      { startsAt: during, endsAt: "0001-01-01T00:00:00Z", status: "firing" },
      true,
    ],
    ["no state at all (a list of firing alerts)", { startsAt: during }, true],
    [
      "ends in the future (Alertmanager's resolve timeout)",
      { startsAt: during, endsAt: new Date(NOW + 300_000).toISOString() },
      true,
    ],
    ["started exactly when the watch began", { startsAt: new Date(WATCH_START).toISOString() }, true],
    ["no startsAt", { status: { state: "active" } }, false],
    ["an empty startsAt", { startsAt: "", status: "firing" }, false],
    ["a startsAt that is not a date", { startsAt: "yesterday", status: "firing" }, false],
    ["started before the watch", { startsAt: before, status: "firing" }, false],
    ["started 1 ms before the watch", { startsAt: new Date(WATCH_START - 1).toISOString() }, false],
    [
      "resolved: endsAt in the past",
      { startsAt: during, endsAt: new Date(NOW - 1_000).toISOString() },
      false,
    ],
    ["ended exactly now", { startsAt: during, endsAt: new Date(NOW).toISOString() }, false],
    ["silenced (suppressed)", { startsAt: during, status: { state: "suppressed" } }, false],
    ["webhook format, resolved", { startsAt: during, status: "resolved" }, false],
    ["not yet processed by Alertmanager", { startsAt: during, status: { state: "unprocessed" } }, false],
  ])("%s", (_name, alert, active) => {
    expect(isActiveSince(alert, WATCH_START, NOW)).toBe(active);
  });
});

describe("the alert webhook signal, over HTTP", () => {
  let body: unknown = [];
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  });
  let url = "";
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2/alerts`;
  });
  afterAll(() => server.close());
  const signal = () => new WebhookSignal(url, {}, () => NOW);

  it("names only the alerts active since the watch began, in either payload shape", async () => {
    body = {
      status: "firing",
      alerts: [
        {
          labels: { alertname: "HighErrorRate" },
          status: "firing",
          startsAt: during,
          endsAt: "0001-01-01T00:00:00Z",
        },
        { labels: { alertname: "NoStart" }, status: "firing" },
        { labels: { alertname: "Old" }, status: "firing", startsAt: before },
      ],
    };
    expect(await signal().firing(new Date(WATCH_START))).toEqual(["HighErrorRate"]);
    body = [{ labels: { alertname: "NoStart" }, status: { state: "active" } }];
    expect(await signal().firing(new Date(WATCH_START))).toEqual([]);
  });

  it("reads an answer that is no list of alerts as a broken source, not as quiet", async () => {
    body = { alerts: "none" };
    await expect(signal().firing(new Date(WATCH_START))).rejects.toThrow(/no list of alerts/);
  });
});

describe("a Cloud Monitoring incident counts only when open and opened during the watch", () => {
  const signalAnswering = (alerts: object[]) =>
    new GcpMonitoringSignal({
      project: "p",
      apiUrl: "http://127.0.0.1:1",
      auth: { request: async () => ({ data: { alerts } }) } as unknown as AuthClient,
    });

  it.each<[string, object, boolean]>([
    ["open, opened during the watch", { state: "OPEN", openTime: during }, true],
    ["open without openTime", { state: "OPEN" }, false],
    ["open with an unreadable openTime", { state: "OPEN", openTime: "soon" }, false],
    ["opened before the watch", { state: "OPEN", openTime: before }, false],
    ["closed", { state: "CLOSED", openTime: during }, false],
    ["open but already given a closeTime", { state: "OPEN", openTime: during, closeTime: during }, false],
  ])("%s", async (_name, alert, active) => {
    const fired = await signalAnswering([{ name: "a", policy: { displayName: "5xx" }, ...alert }]).firing(
      new Date(WATCH_START),
    );
    expect(fired.length === 1).toBe(active);
  });
});
