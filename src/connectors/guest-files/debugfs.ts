// Runs e2fsprogs' debugfs on an image file: a script of commands on stdin (`-f -`), each one's
// output told apart by the "debugfs: <command>" line debugfs echoes before it. debugfs exits 0
// whatever a command did and reports failures on stderr, so callers decide from what it printed.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { ConnectorError } from "../connector-error.ts";

/** An e2fsprogs tool where Debian puts it (often not on a non-root PATH), else PATH's. */
export function findE2fsTool(name: "debugfs" | "mke2fs"): string {
  return [`/usr/sbin/${name}`, `/sbin/${name}`].find((p) => existsSync(p)) ?? name;
}

/** A command argument; guest paths never hold a double quote or a line break (domain/guest-paths.ts). */
export const quote = (arg: string): string => {
  if (/["\n\r\0]/.test(arg)) throw new ConnectorError("bad-argument", `'${arg}' cannot be passed to debugfs`);
  return `"${arg}"`;
};

export interface DebugfsResult {
  /** Each command's standard output, in order. */
  outputs: string[];
  /** stderr without the version banner. */
  errors: string[];
}

const MAX_OUTPUT = 256 * 1024 * 1024;

export async function runDebugfs(binary: string, image: string, commands: readonly string[], options: { write?: boolean } = {}): Promise<DebugfsResult> {
  const args = [...(options.write ? ["-w"] : []), "-f", "-", image];
  const child = spawn(binary, args, { stdio: ["pipe", "pipe", "pipe"] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let size = 0;
  child.stdout.on("data", (b: Buffer) => {
    size += b.length;
    if (size > MAX_OUTPUT) child.kill();
    else out.push(b);
  });
  child.stderr.on("data", (b: Buffer) => err.push(b));
  const done = new Promise<number>((resolve, reject) => {
    child.on("error", (e: NodeJS.ErrnoException) =>
      reject(e.code === "ENOENT" ? new ConnectorError("unavailable", "debugfs (Debian package e2fsprogs) is not installed: obr needs it to read guest file systems") : e),
    );
    child.on("close", (code) => resolve(code ?? 1));
  });
  child.stdin.on("error", () => undefined); // a debugfs that died early shows in its exit code
  child.stdin.end(`${commands.join("\n")}\n`);
  const code = await done;
  const errors = Buffer.concat(err)
    .toString("utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !/^debugfs \d/.test(l));
  if (size > MAX_OUTPUT) throw new ConnectorError("bad-argument", `debugfs printed more than ${MAX_OUTPUT} bytes`);
  if (code !== 0 || errors.some((e) => /while (opening|trying to open) filesystem|Bad magic number/.test(e))) {
    throw new ConnectorError("bad-argument", `the disk holds no file system obr can read (ext2/3/4): ${errors[0] ?? `debugfs exited ${code}`}`);
  }
  const outputs: string[] = [];
  for (const line of Buffer.concat(out).toString("utf8").split("\n")) {
    if (line.startsWith("debugfs: ")) outputs.push("");
    else if (outputs.length > 0) outputs[outputs.length - 1] += `${line}\n`;
  }
  return { outputs, errors };
}
