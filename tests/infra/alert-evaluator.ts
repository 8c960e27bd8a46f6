/**
 * A small model of how Cloud Monitoring evaluates a threshold condition, enough to check the
 * conditions garde builds against synthetic series: filter, per-series alignment over a sliding
 * window, cross-series reduction by group, comparison, and a duration the breach must last.
 * Points are [second, value]; a distribution point's value is an array of samples.
 */
export interface Series {
  metric: { type: string; labels?: Record<string, string> };
  resource: { type: string; labels?: Record<string, string> };
  points: [number, number | number[]][];
}

export interface Condition {
  filter: string;
  comparison: string;
  thresholdValue: number;
  duration: string;
  aggregations: {
    alignmentPeriod: string;
    perSeriesAligner: string;
    crossSeriesReducer?: string;
    groupByFields?: string[];
  }[];
}

const seconds = (d: string) => Number(d.replace(/s$/, ""));

function label(s: Series, path: string): string | undefined {
  const [scope, , key] = path.split(".");
  if (path === "metric.type") return s.metric.type;
  if (path === "resource.type") return s.resource.type;
  return scope === "metric" ? s.metric.labels?.[key as string] : s.resource.labels?.[key as string];
}

/** Each `a = "b"`, `a = one_of("b", "c")` or `a = monitoring.regex.full_match("re")` term, ANDed. */
export function matches(filter: string, s: Series): boolean {
  return filter.split(" AND ").every((term) => {
    const [path, expr] = term.split(/ = (.*)/s) as [string, string];
    const value = label(s, path.trim());
    if (value === undefined) return false;
    const regex = /^monitoring\.regex\.full_match\((".*")\)$/.exec(expr);
    if (regex) return new RegExp(`^${JSON.parse(regex[1] as string)}$`).test(value);
    const oneOf = /^one_of\((.*)\)$/.exec(expr);
    if (oneOf) return (JSON.parse(`[${oneOf[1]}]`) as string[]).includes(value);
    return JSON.parse(expr) === value;
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

function align(
  aligner: string,
  window: (number | number[])[],
  period: number,
): number | number[] | undefined {
  if (!window.length) return undefined;
  const scalars = window.filter((v): v is number => typeof v === "number");
  switch (aligner) {
    case "ALIGN_DELTA":
    case "ALIGN_SUM":
      return window.some(Array.isArray) ? window.flat() : scalars.reduce((a, b) => a + b, 0);
    case "ALIGN_RATE":
      return scalars.reduce((a, b) => a + b, 0) / period;
    case "ALIGN_MEAN":
      return scalars.reduce((a, b) => a + b, 0) / scalars.length;
    case "ALIGN_NEXT_OLDER":
      return window[window.length - 1];
    case "ALIGN_FRACTION_TRUE":
      return scalars.filter(Boolean).length / scalars.length;
    default:
      throw new Error(`the evaluator does not model ${aligner}`);
  }
}

function reduce(reducer: string | undefined, values: (number | number[])[]): number[] {
  const scalars = values.filter((v): v is number => typeof v === "number");
  switch (reducer) {
    case undefined:
    case "REDUCE_NONE":
      return scalars;
    case "REDUCE_SUM":
      return [scalars.reduce((a, b) => a + b, 0)];
    case "REDUCE_MEAN":
      return [scalars.reduce((a, b) => a + b, 0) / scalars.length];
    case "REDUCE_MIN":
      return [Math.min(...scalars)];
    case "REDUCE_COUNT_FALSE":
      return [scalars.filter((v) => !v).length];
    case "REDUCE_PERCENTILE_95":
      return [
        percentile(
          values.flatMap((v) => (Array.isArray(v) ? v : [v])),
          95,
        ),
      ];
    default:
      throw new Error(`the evaluator does not model ${reducer}`);
  }
}

/** Whether the condition fires at any evaluation (every 60 s) between `from` and `to`. */
export function fires(condition: Condition, series: Series[], from: number, to: number): boolean {
  const [agg] = condition.aggregations;
  if (!agg) throw new Error("a condition without aggregation");
  const period = seconds(agg.alignmentPeriod);
  const duration = seconds(condition.duration);
  const chosen = series.filter((s) => matches(condition.filter, s));
  const breachedAt = (t: number) => {
    const groups = new Map<string, (number | number[])[]>();
    for (const s of chosen) {
      const aligned = align(
        agg.perSeriesAligner,
        s.points.filter(([at]) => at > t - period && at <= t).map(([, v]) => v),
        period,
      );
      if (aligned === undefined) continue;
      const key = (agg.groupByFields ?? []).map((f) => label(s, f)).join("|");
      groups.set(key, [...(groups.get(key) ?? []), aligned]);
    }
    return [...groups.values()].some((values) =>
      reduce(agg.crossSeriesReducer, values).some((v) =>
        condition.comparison === "COMPARISON_GT"
          ? v > condition.thresholdValue
          : v < condition.thresholdValue,
      ),
    );
  };
  let since: number | undefined;
  for (let t = from; t <= to; t += 60) {
    if (!breachedAt(t)) since = undefined;
    else {
      since ??= t;
      if (t - since >= duration) return true;
    }
  }
  return false;
}
