import { InputError } from "../../actions/lib/errors.ts";
import { systemClock } from "../../actions/lib/reporter.ts";
import { loadSmokeConfig } from "../../actions/lib/smoke/load-config.ts";
import { formatTable, smokeTableRows, summarize } from "../../actions/lib/smoke/report.ts";
import { type Command, noPositionals, stringFlag } from "../context.ts";
import { JSON_FLAG } from "../flags.ts";
import { readProjectSettings } from "../project-settings.ts";

export const smokeCommand: Command = {
  name: "smoke",
  args: "URL",
  summary: "Run the smoke checks (and load phase) against a URL; exit 1 when one fails.",
  details: ["Without --config: smoke-config from garde.yml, else GET / must answer 2xx or 3xx."],
  flags: [
    {
      name: "config",
      kind: "string",
      value: "FILE",
      description: "Smoke config (YAML; schema in schemas/smoke.schema.json).",
    },
    JSON_FLAG,
  ],
  env: [
    {
      name: "NAME",
      description: "Any variable a header's ${NAME} names, e.g. ADMIN_TOKEN (masked in reports).",
    },
  ],
  examples: [
    "garde smoke https://example.com --config .github/smoke.yml",
    "garde smoke https://staging.example.com --json",
  ],
  async run(args, ctx) {
    noPositionals(this, args, 1);
    const url = args.positionals[0];
    if (!url || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      throw new InputError(
        "url",
        `garde smoke needs an http(s) URL, e.g. garde smoke https://example.com${url ? `; got "${url}"` : ""}`,
      );
    }
    const path = stringFlag(args, "config") ?? readProjectSettings(ctx.cwd)["smoke-config"];
    const config = loadSmokeConfig({ path });
    // Loaded here: the HTTP client and the histogram are needed by this command only.
    const { runSmoke } = await import("../../actions/lib/smoke/runner.ts");
    const report = await runSmoke(url, config, { clock: systemClock, reporter: ctx.reporter, env: ctx.env });
    if (args.values.json) ctx.stdout(`${JSON.stringify(report, null, 2)}\n`);
    else
      ctx.stdout(
        `${formatTable(smokeTableRows(report))}\n\n${report.passed ? "passed" : "FAILED"}: ${summarize(report)}\n`,
      );
    return report.passed ? 0 : 1;
  },
};
