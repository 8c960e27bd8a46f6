// Generates schemas/smoke.schema.json from the zod schema, so editors complete smoke configs.
// `tsx scripts/smoke-schema.ts` writes it; the tests fail when the committed file is stale.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import * as z from "zod";
import { smokeConfigSchema } from "../actions/lib/smoke/config.ts";

export function smokeJsonSchema(): string {
  const schema = z.toJSONSchema(smokeConfigSchema, { io: "input", unrepresentable: "any" });
  return `${JSON.stringify({ ...schema, $id: "https://garde.dev/schemas/smoke.schema.json", title: "garde smoke config" }, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(resolve(import.meta.dirname, "../schemas/smoke.schema.json"), smokeJsonSchema());
}
