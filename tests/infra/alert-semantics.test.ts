import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { planStacks, type StackPlan } from "../../infra/plan.ts";
import { readStackFile } from "../../infra/stack-file.ts";
import { type Condition, fires, type Series } from "./alert-evaluator.ts";
import { everyAlertMetricIsEmitted } from "./invariants.ts";

const root = resolve(import.meta.dirname, "../..");
let prod: StackPlan;
beforeAll(async () => {
  prod = (await planStacks([readStackFile(join(root, "Pulumi.prod.yaml"), "prod")]))[0] as StackPlan;
}, 60_000);

/** The condition garde builds for a catalogue entry in the prod stack. */
function condition(id: string): Condition {
  const policy = prod.resources.find(
    (r) => r.type === "gcp:monitoring/alertPolicy:AlertPolicy" && r.name === `shop-prod-alerts-${id}`,
  );
  if (!policy) throw new Error(`prod has no ${id} policy`);
  return (policy.inputs.conditions as { conditionThreshold: Condition }[])[0]
    ?.conditionThreshold as Condition;
}

const lb = {
  type: "https_lb_rule",
  labels: { backend_target_name: "k8s1-abc123-shop-prod-api-gateway-80-def456" },
};
const container = {
  type: "k8s_container",
  labels: { cluster_name: "shop-prod", namespace_name: "shop-prod", container_name: "api" },
};

/** n events spread evenly over `minutes` minutes, from t=0, one point per event (a DELTA count). */
const events = (n: number, minutes: number): [number, number][] =>
  Array.from({ length: n }, (_, i) => [Math.floor(((i + 0.5) * minutes * 60) / n), 1]);

describe("alert conditions mean what the seeds say, in their units", () => {
  it('"5xx > 5 in 5 min" fires at 6 errors in 5 minutes and not at 5', () => {
    const five00 = (n: number): Series[] => [
      {
        metric: {
          type: "loadbalancing.googleapis.com/https/request_count",
          labels: { response_code_class: "500" },
        },
        resource: lb,
        points: events(n, 5),
      },
      // Healthy traffic and another app's errors never count.
      {
        metric: {
          type: "loadbalancing.googleapis.com/https/request_count",
          labels: { response_code_class: "200" },
        },
        resource: lb,
        points: events(500, 5),
      },
      {
        metric: {
          type: "loadbalancing.googleapis.com/https/request_count",
          labels: { response_code_class: "500" },
        },
        resource: { type: "https_lb_rule", labels: { backend_target_name: "k8s1-abc-other-api-80-x" } },
        points: events(50, 5),
      },
    ];
    expect(fires(condition("http-5xx"), five00(6), 0, 900)).toBe(true);
    expect(fires(condition("http-5xx"), five00(5), 0, 900)).toBe(false);
  });

  it('"failed logins > 50/min" fires at 51 in a minute and not at 50 a minute for ten minutes', () => {
    const logins = (perMinute: number): Series[] => [
      {
        metric: { type: "logging.googleapis.com/user/shop_prod_failed_logins" },
        resource: container,
        points: Array.from({ length: 10 }, (_, m) =>
          events(perMinute, 1).map(([t, v]) => [t + m * 60, v] as [number, number]),
        ).flat(),
      },
    ];
    expect(fires(condition("failed-logins"), logins(51), 0, 600)).toBe(true);
    expect(fires(condition("failed-logins"), logins(50), 0, 600)).toBe(false);
  });

  it("a per-second aligner would have read the 50/min threshold as 3,000/min (the old condition)", () => {
    const old = {
      ...condition("failed-logins"),
      aggregations: [
        { alignmentPeriod: "60s", perSeriesAligner: "ALIGN_RATE", crossSeriesReducer: "REDUCE_SUM" },
      ],
    };
    const series: Series[] = [
      {
        metric: { type: "logging.googleapis.com/user/shop_prod_failed_logins" },
        resource: container,
        points: events(51, 1),
      },
    ];
    expect(fires(old, series, 0, 120)).toBe(false);
  });

  it("availability pages when more than one region fails, not for one region's blip", () => {
    const regions = ["usa-oregon", "usa-iowa", "usa-virginia", "europe", "south-america", "asia-pacific"];
    const probes = (failing: string[]): Series[] =>
      regions.map((region) => ({
        metric: {
          type: "monitoring.googleapis.com/uptime_check/check_passed",
          labels: { check_id: "shop-healthz", checker_location: region },
        },
        resource: { type: "uptime_url", labels: { host: "shop.example.com" } },
        points: Array.from(
          { length: 10 },
          (_, i) => [i * 60 + 30, failing.includes(region) ? 0 : 1] as [number, number],
        ),
      }));
    expect(fires(condition("availability"), probes(["europe", "usa-iowa"]), 0, 600)).toBe(true);
    expect(fires(condition("availability"), probes(["europe"]), 0, 600)).toBe(false);
    expect(fires(condition("availability"), probes([]), 0, 600)).toBe(false);
  });

  it("P95 > 2 s fires after 5 minutes of slow requests, not on one slow minute", () => {
    const latency = (slowMinutes: number[]): Series[] => [
      {
        metric: { type: "loadbalancing.googleapis.com/https/total_latencies" },
        resource: lb,
        points: Array.from(
          { length: 10 },
          (_, m) =>
            [
              m * 60 + 30,
              Array.from({ length: 100 }, (_, i) => (slowMinutes.includes(m) && i >= 90 ? 2500 : 120)),
            ] as [number, number[]],
        ),
      },
    ];
    expect(fires(condition("latency-p95"), latency([2, 3, 4, 5, 6, 7, 8]), 0, 600)).toBe(true);
    expect(fires(condition("latency-p95"), latency([3]), 0, 600)).toBe(false);
  });

  it("CPU reads utilisation of the request and memory only its non-evictable part", () => {
    const cpu: Series[] = [
      {
        metric: { type: "kubernetes.io/container/cpu/request_utilization" },
        resource: container,
        points: Array.from({ length: 10 }, (_, m) => [m * 60 + 30, 0.85] as [number, number]),
      },
    ];
    expect(fires(condition("cpu"), cpu, 0, 600)).toBe(true);
    const memory = (type: string): Series[] => [
      {
        metric: { type: "kubernetes.io/container/memory/limit_utilization", labels: { memory_type: type } },
        resource: container,
        points: Array.from({ length: 10 }, (_, m) => [m * 60 + 30, 0.95] as [number, number]),
      },
    ];
    expect(fires(condition("memory"), memory("evictable"), 0, 600)).toBe(false);
    expect(fires(condition("memory"), memory("non-evictable"), 0, 600)).toBe(true);
  });

  it("every alert's metric is emitted by a resource of the same stack", () => {
    expect(everyAlertMetricIsEmitted(prod, root)).toEqual([]);
  });
});
