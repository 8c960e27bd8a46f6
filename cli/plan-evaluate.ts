/**
 * The child process of garde plan --diff: evaluates stack files with the infra program under a
 * given root (the base revision's own program, or the installed one) and prints each stack's
 * resources as JSON. A process of its own because Pulumi's mocks and Node's module cache are
 * global: two revisions of the program cannot be loaded side by side in one.
 *
 *   node --import tsx/esm cli/plan-evaluate.ts PROGRAM_ROOT < [{"path", "stack"}, …]
 *
 * Secrets are stand-ins naming the secret, never a value: the base revision's plan holds none.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { evaluatedStacks } from "./evaluated-stacks.ts";

async function main(): Promise<void> {
  const root = process.argv[2] as string;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const sources = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { path: string; stack: string }[];
  const load = (module: string) => import(pathToFileURL(join(root, "infra", module)).href);
  const { readStackFile } = await load("stack-file.ts");
  const { planStacks } = await load("plan.ts");
  const plans = await planStacks(sources.map((s) => readStackFile(s.path, s.stack)));
  const stacks = evaluatedStacks(plans);
  process.stdout.write(JSON.stringify({ stacks }));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
