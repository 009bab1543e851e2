import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ProtectionStore } from "./protection-store.ts";
import { makeImage, tempDir } from "./test-support/fixtures.ts";

describe("GC and temporary files", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("sweeps every temporary file a killed process left (sessions, locks, config), not a live writer's young one", async () => {
    const dir = join(t.dir, "store");
    const img = join(t.dir, "disk.img");
    makeImage(img, 1 << 20, "gc-temp");
    const s = await ProtectionStore.create(dir);
    try {
      await s.backup(img);
      // a process that is gone (as after SIGKILL): its pid names its temporary files
      const dead = spawnSync(process.execPath, ["-e", "process.kill(process.pid, 'SIGKILL')"]).pid;
      const tmp = (key: string, pid: number) => join(dir, `${key}.tmp-${pid}-0badc0de-1`);
      mkdirSync(join(dir, "sessions", "1700000000000-deadbeef"), { recursive: true });
      mkdirSync(join(dir, "locks"), { recursive: true });
      const leftovers = [tmp("sessions/1700000000000-deadbeef/000001", dead), tmp("sessions/1700000000000-deadbeef/owner", dead), tmp("locks/gc", dead), tmp("locks/gc-epoch", dead), tmp("config.json", dead)];
      // a live writer's file older than the grace period (and the hour a put never takes)
      const stale = tmp("locks/gc", process.pid).replace("-1", "-2");
      const young = tmp("sessions/1700000000000-deadbeef/000002", process.pid);
      for (const f of [...leftovers, stale, young]) writeFileSync(f, "x");
      const old = new Date(Date.now() - 2 * 3600_000);
      utimesSync(stale, old, old);

      const gc = await s.gc({ graceMs: 60_000 });
      expect(gc.aborted).toBeNull();
      expect(gc.removedTemp).toBe(leftovers.length + 1);
      for (const f of [...leftovers, stale]) expect(existsSync(f), f).toBe(false);
      expect(existsSync(young)).toBe(true);
      expect((await s.verify()).ok).toBe(true);
    } finally {
      await s.close();
    }
  });
});
