// What the CLI prints comes partly from API clients (names): escaped so that no control
// character reaches the terminal, and failures as one line on stderr with exit code 1.
import { escapeForTerminal } from "../domain/names.ts";

/** JSON with C1 controls escaped too (JSON.stringify leaves U+0080-U+009F, which some terminals obey). */
export function jsonForTerminal(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\u009f]/g, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${jsonForTerminal(value)}\n`);
}

/** Runs a command's work; an error ends the process with one escaped line and exit code 1. */
export async function runOrExit(command: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    process.stderr.write(`obr ${command}: ${escapeForTerminal(err instanceof Error ? err.message : String(err))}\n`);
    process.exit(1);
  }
}
