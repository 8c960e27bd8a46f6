/**
 * The hardening rules garde's workflows follow, as a lint: what actionlint does not check (it
 * flags github.event.* in run: but not inputs.*, and knows nothing of environments, concurrency
 * or credentials left on disk). Each finding names the workflow, the job or step, and the fix.
 */
import { parse } from "yaml";

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

interface Job {
  uses?: string;
  permissions?: unknown;
  environment?: unknown;
  concurrency?: unknown;
  steps?: Step[];
}

interface Workflow {
  on?: unknown;
  permissions?: unknown;
  concurrency?: unknown;
  jobs?: Record<string, Job>;
}

/** garde's actions that change an environment, as a product repository or garde's reusable workflows reach them (not CI's self-tests of ./actions). */
const ENVIRONMENT_ACTIONS =
  /(^\.\/\.garde\/|^garde-dev\/garde\/)actions\/(deploy|rollback|kubernetes|rotate-keys)(@|$)/;
/** Values an outsider or a dispatcher chooses: in a script they are code. */
const UNTRUSTED = /\$\{\{[^}]*\b(inputs\.|github\.event\.|github\.head_ref)[^}]*\}\}/;
const PINNED = /@[0-9a-f]{40}$/;

const eventsOf = (on: unknown): string[] =>
  typeof on === "string" ? [on] : Array.isArray(on) ? on.map(String) : Object.keys((on as object) ?? {});

const stepName = (s: Step, i: number) => s.name ?? s.id ?? s.uses ?? `step ${i + 1}`;

/** The concurrency group's text, and whether a running member is cancelled. */
function concurrencyOf(c: unknown): { group: string; cancels: boolean } | null {
  if (!c) return null;
  if (typeof c === "string") return { group: c, cancels: false };
  const o = c as { group?: unknown; "cancel-in-progress"?: unknown };
  return {
    group: String(o.group ?? ""),
    cancels: o["cancel-in-progress"] === true || o["cancel-in-progress"] === "true",
  };
}

/** Findings for one workflow file; an empty list passes. */
export function hardeningFindings(source: string, file: string): string[] {
  const findings: string[] = [];
  const workflow = (parse(source) ?? {}) as Workflow;
  const events = eventsOf(workflow.on);
  if (workflow.permissions === undefined) {
    findings.push(`${file}: no top-level permissions: start from "permissions: {}" or "contents: read"`);
  }
  for (const [jobName, job] of Object.entries(workflow.jobs ?? {})) {
    const where = `${file}: jobs.${jobName}`;
    if (job.permissions === undefined) {
      findings.push(`${where} has no permissions: give the job the least it needs`);
    }
    if (job.uses && !job.uses.startsWith("./") && !PINNED.test(job.uses)) {
      findings.push(`${where} calls ${job.uses}: pin it to a full commit SHA`);
    }
    const steps = job.steps ?? [];
    const changesEnvironment = steps.some((s) => s.uses && ENVIRONMENT_ACTIONS.test(s.uses));
    if (changesEnvironment) {
      if (!job.environment) {
        findings.push(
          `${where} changes an environment without "environment:": required reviewers cannot apply`,
        );
      }
      const concurrency = concurrencyOf(job.concurrency) ?? concurrencyOf(workflow.concurrency);
      // Per ref only where each ref has its own environment: a pull request's preview.
      const perRef =
        /github\.(ref|head_ref|ref_name|sha|run_id)\b/.test(concurrency?.group ?? "") &&
        !/'preview'/.test(concurrency?.group ?? "");
      if (!concurrency || perRef || !/environment|production|staging|preview/.test(concurrency.group)) {
        findings.push(
          `${where} changes an environment without a concurrency group per environment (not per ref): two runs could deploy it at once`,
        );
      } else if (concurrency.cancels) {
        findings.push(`${where}: cancel-in-progress would cancel a running deploy halfway; set it to false`);
      }
    }
    steps.forEach((step, i) => {
      const at = `${where} step "${stepName(step, i)}"`;
      if (
        step.uses &&
        !step.uses.startsWith("./") &&
        !step.uses.startsWith("docker://") &&
        !PINNED.test(step.uses)
      ) {
        findings.push(`${at}: pin ${step.uses} to a full commit SHA, its version in a comment`);
      }
      if (step.run && UNTRUSTED.test(step.run)) {
        findings.push(
          `${at}: an input or event value is expanded inside run:; pass it through env: and quote "$VAR"`,
        );
      }
      if (
        step.uses?.startsWith("actions/github-script@") &&
        UNTRUSTED.test(String(step.with?.script ?? ""))
      ) {
        findings.push(`${at}: an input or event value is expanded inside script:; read it from process.env`);
      }
      if (step.uses?.startsWith("actions/checkout@")) {
        const persist = step.with?.["persist-credentials"];
        if (persist !== false && persist !== "false") {
          findings.push(`${at}: checkout keeps the token in .git/config; set persist-credentials: false`);
        }
        if (events.includes("pull_request_target")) {
          findings.push(
            `${at}: pull_request_target runs with secrets; checking out code there runs the PR's code with them`,
          );
        }
      }
    });
  }
  return findings;
}
