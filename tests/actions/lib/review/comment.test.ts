import { describe, expect, it } from "vitest";
import { COMMENT_LIMIT, markerFor, renderComment } from "../../../../actions/lib/review/comment.ts";
import { bigReview, MANDATORY } from "./stacks.ts";

describe("renderComment", () => {
  it("starts with the stack's hidden marker, then counts, policies, deletes and replaces before updates", () => {
    const body = renderComment(
      bigReview("prod", { creates: 1, updates: 1, replaces: 1, deletes: 1 }, [MANDATORY]),
      {
        base: "origin/main",
        head: "0123456789abcdef0123",
      },
    );
    expect(body.split("\n")[0]).toBe("<!-- garde:infra-review stack=prod -->");
    expect(body).toContain("| 1 | 1 | 1 | 1 | 42 |");
    expect(body).toContain("✗ 1 mandatory violation blocks this change");
    const at = (s: string) => body.indexOf(s);
    expect(at("**Policies**")).toBeLessThan(at("<summary>Deletes (1)"));
    expect(at("<summary>Deletes (1)")).toBeLessThan(at("<summary>Replaces (1)"));
    expect(at("<summary>Replaces (1)")).toBeLessThan(at("<summary>Updates (1)"));
    expect(at("<summary>Updates (1)")).toBeLessThan(at("<summary>Creates (1)"));
    expect(body).toContain("replaced because of <code>location</code>");
    expect(body).toContain(
      "| <code>conditions[0].conditionThreshold.thresholdValue</code> | <code>2000</code> | <code>3000</code> |",
    );
    expect(body).toContain("head <code>0123456789ab</code>");
  });

  it("keeps a huge diff under GitHub's limit, summary and policies intact, cut from the creates end", () => {
    const policies = Array.from({ length: 30 }, (_, i) => ({ ...MANDATORY, resource: `bucket-${i}` }));
    const review = bigReview("prod", { creates: 5000, updates: 2000, replaces: 20, deletes: 300 }, policies);
    const body = renderComment(review, { base: "origin/main" });
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body.length).toBeGreaterThan(COMMENT_LIMIT - 2_000);
    expect(body).toContain("| 5000 | 2000 | 20 | 300 | 42 |");
    for (let i = 0; i < 30; i++) expect(body).toContain(`<code>bucket-${i}</code>`);
    // Every delete and replace is listed; the cut falls in the updates, and no create is listed.
    expect(body.match(/\*\*prod-old-\d+\*\*/g)).toHaveLength(300);
    expect(body.match(/\*\*prod-moved-\d+\*\*/g)).toHaveLength(20);
    expect(body).not.toContain("<summary>Creates");
    const shown = body.match(/\*\*prod-alert-\d+\*\*/g)?.length ?? 0;
    expect(body).toContain(
      `Left out to stay under GitHub's 65,536-character limit: ${(2000 - shown).toLocaleString("en-US")} updates, 5,000 creates. Run \`garde plan --diff origin/main\``,
    );
  });

  it("escapes what a resource or value could smuggle into the page", () => {
    const review = bigReview("prod", { updates: 1 });
    const update = review.updates[0];
    if (update) update.diffs = [{ path: "x", kind: "update", old: "<script>alert(1)</script>", new: "a|b" }];
    const body = renderComment(review);
    expect(body).not.toContain("<script>");
    expect(body).toContain("&#60;script&#62;");
    expect(body).toContain("a&#124;b");
  });

  it("says 'No changes' when there are none, and that policies were not checked when nobody checked them", () => {
    const none = { ...bigReview("staging", {}), status: "unchanged" as const };
    expect(renderComment(none, { base: "main" })).toContain("**No changes** from <code>main</code>");
    expect(renderComment({ ...none, policiesChecked: false })).toContain("**Policies**: not checked here");
    expect(markerFor("staging")).toBe("<!-- garde:infra-review stack=staging -->");
  });
});
