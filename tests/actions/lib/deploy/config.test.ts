import { describe, expect, it } from "vitest";
import { parseDeployConfig } from "../../../../actions/lib/deploy/config.ts";

const base = {
  "vercel-token": "t",
  "vercel-project": "web",
  "github-token": "g",
  repository: "acme/web",
  sha: "abc1234",
};

describe("deploy waits have sane ranges (exit 2 outside them)", () => {
  it.each([
    [{ "ready-timeout": "0" }, /ready-timeout: must be between 10 and 3600 seconds/],
    [{ "ready-timeout": "999999" }, /ready-timeout: must be between 10 and 3600 seconds/],
    [{ "poll-interval": "0" }, /poll-interval: must be between 1 and 60 seconds/],
    [
      { "poll-interval": "0.1" },
      /poll-interval: must be between 1 and 60 seconds \(below 1 s only against an API on this machine\)/,
    ],
    [{ "poll-interval": "3600" }, /poll-interval: must be between 1 and 60 seconds/],
  ])("%j", (extra, message) => {
    expect(() => parseDeployConfig({ ...base, ...extra })).toThrow(message);
  });

  it("polls faster than once a second only an API on this machine (the sandbox)", () => {
    const config = parseDeployConfig({
      ...base,
      "poll-interval": "0.05",
      "vercel-api-url": "http://127.0.0.1:4000",
    });
    expect(config.pollIntervalMs).toBe(50);
  });
});
