import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs node with arguments and a clean environment (PATH plus `env`), `input` on its stdin (closed
 * either way, so nothing waits for a prompt); never throws on exit codes. Killed after 60 s.
 */
export function execNode(
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
  input = "",
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? "", ...env },
      ...(cwd ? { cwd } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    child.stdin.end(input);
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
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
