import * as core from "@actions/core";
import { escapeHtml } from "../lib/html.ts";

/** A table whose first row is the header. */
export type Rows = string[][];

/** Builds the whole summary, then writes it once. */
export async function writeSummary(
  heading: string,
  sections: { title?: string; rows: Rows }[],
): Promise<void> {
  core.summary.addHeading(escapeHtml(heading), 2);
  for (const section of sections) {
    if (section.title) core.summary.addHeading(escapeHtml(section.title), 3);
    const [header = [], ...body] = section.rows;
    core.summary.addTable([
      header.map((data) => ({ data: escapeHtml(data), header: true })),
      ...body.map((row) => row.map((cell) => escapeHtml(cell))),
    ]);
  }
  await core.summary.write();
}

/** Masks every value before anything can print it. */
export function mask(values: Iterable<string | undefined>): void {
  for (const value of values) if (value) core.setSecret(value);
}
