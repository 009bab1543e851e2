// Runs a command under /usr/bin/time and reports wall time and peak RSS of the process tree's
// largest member (GNU time's %M, in KiB).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Measured {
  seconds: number;
  /** user + system CPU seconds of the command (comparable even on a busy machine) */
  cpuSeconds: number;
  peakRssMiB: number;
  stdout: string;
}

export function measure(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; warm?: string[] } = {}): Measured {
  const dir = mkdtempSync(join(tmpdir(), "obr-measure-"));
  const out = join(dir, "time.txt");
  // start every measured command with no dirty pages: earlier steps (a repository copied back,
  // a previous tool's writes) must not be written back on this command's time
  spawnSync("sync");
  // ...and with its inputs in the page cache: this kind of VM pages out file cache left idle
  // for ~6 s (a DAMON "pageout" scheme), which made the first tool to read an image read it
  // from disk and handed the next one a warm cache
  if (opts.warm?.length) spawnSync("sh", ["-c", 'find "$@" -type f -exec cat {} + > /dev/null', "warm", ...opts.warm]);
  const t0 = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "%M %U %S", "-o", out, cmd, ...args], {
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const [rssKiB, user, sys] = (readFileSync(out, "utf8").trim().split("\n").pop() ?? "").split(" ").map(Number) as [number, number, number];
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return { seconds, cpuSeconds: user + sys, peakRssMiB: rssKiB / 1024, stdout: r.stdout };
}

export function duBytes(path: string): number {
  const r = spawnSync("du", ["-sb", path], { encoding: "utf8" });
  return Number(r.stdout.split("\t")[0]);
}

/** Replaces dst with a copy of src (resets a repository to a saved state between runs). */
export function copyTree(src: string, dst: string): void {
  spawnSync("rm", ["-rf", dst]);
  const r = spawnSync("cp", ["-a", src, dst]);
  if (r.status !== 0) throw new Error(`cp -a ${src} ${dst} failed`);
}
