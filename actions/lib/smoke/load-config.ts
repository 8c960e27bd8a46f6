import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { InputError } from "../errors.ts";
import { DEFAULT_SMOKE_CONFIG, parseSmokeConfig, type SmokeConfig } from "./config.ts";

/** The config from a file path or inline YAML (not both); garde's default check when neither. */
export function loadSmokeConfig(source: {
  path?: string | undefined;
  inline?: string | undefined;
}): SmokeConfig {
  if (source.path && source.inline) {
    throw new InputError("smoke-config", "Give the smoke config as a file path or inline, not both");
  }
  if (source.inline) return parseSmokeConfig(source.inline, "inline smoke config");
  if (!source.path) return DEFAULT_SMOKE_CONFIG;
  let text: string;
  try {
    text = readFileSync(source.path, "utf8");
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new InputError(
      "smoke-config",
      `Cannot read the smoke config ${source.path}${code === "ENOENT" ? `: no such file (looked for ${resolve(source.path)})` : `: ${code}`}`,
    );
  }
  return parseSmokeConfig(text, source.path);
}
