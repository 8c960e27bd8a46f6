import type { Pagination } from "@vercel/sdk/models/pagination.js";

/**
 * Vercel's list pagination: newest first, `limit` per page, `until` (exclusive) a timestamp to
 * page back from, `since` (exclusive) one to page forward from; `pagination.next` is the
 * timestamp to pass as `until` for the next page, null on the last page.
 */
export function pageByTime<T>(
  items: readonly T[],
  timeOf: (item: T) => number,
  query: URLSearchParams,
  defaults: { limit: number; max: number },
): { page: T[]; pagination: Pagination } {
  const limit = Math.min(Math.max(Number(query.get("limit")) || defaults.limit, 1), defaults.max);
  const until = Number(query.get("until")) || Number.POSITIVE_INFINITY;
  const since = Number(query.get("since")) || Number.NEGATIVE_INFINITY;
  const matching = [...items]
    .filter((item) => timeOf(item) < until && timeOf(item) > since)
    .sort((a, b) => timeOf(b) - timeOf(a));
  const page = matching.slice(0, limit);
  const last = page.at(-1);
  const first = page[0];
  return {
    page,
    pagination: {
      count: page.length,
      next: matching.length > limit && last ? timeOf(last) : null,
      prev: first ? timeOf(first) : null,
    },
  };
}
