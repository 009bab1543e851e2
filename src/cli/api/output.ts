// How API answers are shown: a table for people (the columns each noun picks), `--json` or
// `--output yaml` (whole objects) for scripts. Text from the server is escaped so no control
// character reaches the terminal.
import { stringify } from "yaml";
import { escapeForTerminal } from "../../domain/names.ts";
import { jsonForTerminal } from "../terminal-output.ts";

export type OutputFormat = "table" | "json" | "yaml";

export interface Column {
  header: string;
  /** Attribute path ("protectionStoreInfo/name") or a function of the item. */
  value: string | ((item: unknown) => unknown);
}

export function formatOf(opts: { json?: boolean; output?: string }): OutputFormat {
  if (opts.json) return "json";
  if (opts.output === "yaml" || opts.output === "json" || opts.output === "table") return opts.output;
  return "table";
}

export function pathValue(item: unknown, path: string): unknown {
  let v: unknown = item;
  for (const part of path.split("/")) v = typeof v === "object" && v !== null ? Reflect.get(v, part) : undefined;
  return v;
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return "-";
  if (typeof v === "string") return escapeForTerminal(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return escapeForTerminal(JSON.stringify(v));
}

export function renderTable(items: readonly unknown[], columns: readonly Column[]): string {
  const rows = items.map((item) => columns.map((c) => cell(typeof c.value === "string" ? pathValue(item, c.value) : c.value(item))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) => cells.map((x, i) => x.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join("\n");
}

/** Prints a list (or one object as a one-row list in table form). */
export function print(value: unknown, format: OutputFormat, columns: readonly Column[]): void {
  if (format === "json") process.stdout.write(`${jsonForTerminal(value)}\n`);
  // yaml escapes C0 controls itself (\e, \x01) but writes C1 ones as they are
  else if (format === "yaml") process.stdout.write(stringify(value).replace(/[\u007f-\u009f]/g, (c) => `\\x${(c.codePointAt(0) ?? 0).toString(16)}`));
  else process.stdout.write(`${renderTable(Array.isArray(value) ? value : [value], columns)}\n`);
}
