import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs node with arguments and a clean environment (PATH plus `env`); never throws on exit codes. */
export async function execNode(
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<ProcessResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, {
      env: { PATH: process.env.PATH ?? "", ...env },
      timeout: 60_000,
      ...(cwd ? { cwd } : {}),
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

export interface ActionResult extends ProcessResult {
  outputs: Record<string, string>;
  summary: string;
}

/** GITHUB_OUTPUT holds `name<<DELIMITER\nvalue\nDELIMITER` blocks. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const m of text.matchAll(/^(.+?)<<(.+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1] as string] = m[3] as string;
  return outputs;
}

/**
 * Runs a bundled action as the runner does: inputs as INPUT_<NAME>, outputs and summary in the
 * files GITHUB_OUTPUT and GITHUB_STEP_SUMMARY name, the event payload at GITHUB_EVENT_PATH.
 */
export async function runAction(
  entry: string,
  workDir: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  payload: object = {},
): Promise<ActionResult> {
  const id = Math.random().toString(36).slice(2);
  const output = join(workDir, `output-${id}`);
  const summary = join(workDir, `summary-${id}`);
  const event = join(workDir, `event-${id}.json`);
  writeFileSync(output, "");
  writeFileSync(summary, "");
  writeFileSync(event, JSON.stringify(payload));
  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]),
  );
  const result = await execNode([entry], {
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_EVENT_PATH: event,
    ...env,
    ...inputEnv,
  });
  return {
    ...result,
    outputs: parseOutputFile(readFileSync(output, "utf8")),
    summary: readFileSync(summary, "utf8"),
  };
}

/** Everything a person or a log collector could see, with the runner's mask commands taken out. */
export function visible(r: ActionResult): string {
  return [r.stdout.replace(/^::add-mask::.*$/gm, ""), r.stderr, JSON.stringify(r.outputs), r.summary].join(
    "\n",
  );
}
