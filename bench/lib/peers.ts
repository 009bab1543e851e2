// restic and borg as benchmark peers: installation check and the commands for each operation.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type { Measured } from "./measure.ts";
import { measure } from "./measure.ts";

export function ensurePeersInstalled(): void {
  const missing = ["restic", "borg"].filter((c) => spawnSync("sh", ["-c", `command -v ${c}`]).status !== 0);
  if (missing.length === 0) return;
  console.error(`installing peers (${missing.join(", ")}) with apt-get…`);
  for (const args of [["update"], ["install", "-y", "restic", "borgbackup"]]) {
    const r = spawnSync("apt-get", args, { stdio: "inherit" });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(" ")} failed; install restic and borgbackup manually`);
  }
}

export function peerVersions(): string {
  const v = (cmd: string, arg: string) => spawnSync(cmd, [arg], { encoding: "utf8" }).stdout.trim().split("\n")[0];
  return `${v("restic", "version")}; ${v("borg", "--version")}`;
}

const resticEnv = { RESTIC_PASSWORD: "bench", RESTIC_CACHE_DIR: "/tmp/obr-bench-restic-cache" };
const borgEnv = { BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: "yes", BORG_RELOCATED_REPO_ACCESS_IS_OK: "yes", BORG_BASE_DIR: "/tmp/obr-bench-borg-base" };

export interface Peer {
  name: string;
  /** Directories holding the repository's state (repo, caches): saved and reset together. */
  stateDirs(repo: string): string[];
  init(repo: string): void;
  /** Backs up the file; returns the snapshot/archive name. */
  backup(repo: string, file: string, tag: string): Measured & { snapshot: string };
  restore(repo: string, snapshot: string, targetDir: string): Measured;
}

export const restic: Peer = {
  name: "restic",
  stateDirs: (repo) => [repo, resticEnv.RESTIC_CACHE_DIR],
  init(repo) {
    rmSync(repo, { recursive: true, force: true });
    rmSync(resticEnv.RESTIC_CACHE_DIR, { recursive: true, force: true });
    measure("restic", ["-r", repo, "init"], { env: resticEnv });
  },
  backup(repo, file, tag) {
    const m = measure("restic", ["-r", repo, "backup", "--json", "--tag", tag, file], { env: resticEnv, warm: [file, repo] });
    const summary = m.stdout.split("\n").filter((l) => l.includes('"summary"'))[0] ?? "{}";
    return { ...m, snapshot: (JSON.parse(summary) as { snapshot_id?: string }).snapshot_id ?? "latest" };
  },
  restore(repo, snapshot, targetDir) {
    rmSync(targetDir, { recursive: true, force: true });
    mkdirSync(targetDir, { recursive: true });
    return measure("restic", ["-r", repo, "restore", snapshot, "--target", targetDir], { env: resticEnv, warm: [repo] });
  },
};

export function borg(compression: "lz4" | "zstd"): Peer {
  return {
    name: `borg-${compression}`,
    stateDirs: (repo) => [repo, borgEnv.BORG_BASE_DIR],
    init(repo) {
      rmSync(repo, { recursive: true, force: true });
      rmSync(borgEnv.BORG_BASE_DIR, { recursive: true, force: true });
      mkdirSync(dirname(repo), { recursive: true });
      measure("borg", ["init", "--encryption=none", repo], { env: borgEnv });
    },
    backup(repo, file, tag) {
      const m = measure("borg", ["create", "--compression", compression, `${repo}::${tag}`, file], { env: borgEnv, warm: [file, repo] });
      return { ...m, snapshot: tag };
    },
    restore(repo, snapshot, targetDir) {
      rmSync(targetDir, { recursive: true, force: true });
      mkdirSync(targetDir, { recursive: true });
      return measure("borg", ["extract", "--sparse", `${repo}::${snapshot}`], { env: borgEnv, cwd: targetDir, warm: [repo] });
    },
  };
}
