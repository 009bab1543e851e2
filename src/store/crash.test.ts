import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cases, seededRandom, timeLimit } from "../../test/helpers/tiers.ts";
import { setTimeout as sleep } from "node:timers/promises";
import { GcLockedError } from "./errors.ts";
import type { ProtectionStore } from "./protection-store.ts";
import { CRASH_LEASE_MS, createCrashStore, openCrashStore, s3CrashStoreArg } from "./test-support/crash-store.ts";
import { makeImage, makeNext, sha, tempDir } from "./test-support/fixtures.ts";
import { newBucket, testRgw } from "./test-support/s3.ts";

/** Where the store lives: a directory, or an S3 bucket whose locks are leases (a killed child's lapse). */
const KINDS = [
  { name: "local", kills: cases(10, 50), minBackups: 4, skip: "", leaseMs: 0, store: async (dir: string) => dir },
  // fewer kills in the fast tier: each round starts a process that opens the store over HTTP
  { name: "s3", kills: cases(5, 25), minBackups: 2, skip: testRgw().skipReason, leaseMs: CRASH_LEASE_MS, store: async () => s3CrashStoreArg(await newBucket()) },
];

/** GC once the killed child's GC lock (an S3 lease) has lapsed. */
async function gcAfterLease(s: ProtectionStore, leaseMs: number): ReturnType<ProtectionStore["gc"]> {
  for (const deadline = Date.now() + 4 * leaseMs + 5000; ; ) {
    try {
      return await s.gc({ graceMs: 0 });
    } catch (err) {
      if (!(err instanceof GcLockedError) || Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
}

/** Starts the child, waits for `ops` finished operations, then SIGKILLs it after delayMs. */
function runAndKill(storeDir: string, imagesDir: string, ops: number, delayMs: number, round: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, "test-support", "crash-child.ts"), storeDir, imagesDir, String(round)], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    let done = -1; // READY counts as the first line
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.stdout.on("data", (d: Buffer) => {
      for (const line of d.toString().split("\n")) {
        if (line === "READY" || line === "DONE") done++;
        if (done === ops && (line === "READY" || line === "DONE")) setTimeout(() => child.kill("SIGKILL"), delayMs);
      }
    });
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve();
      else reject(new Error(`child exited ${code}: ${err}`));
    });
  });
}

for (const kind of KINDS) describe.skipIf(Boolean(kind.skip))(`crash safety on ${kind.name}${kind.skip ? ` (skipped: ${kind.skip})` : ""}`, () => {
  const t = tempDir();
  afterAll(() => t.cleanup());
  const KILLS = kind.kills;

  it(`a process SIGKILLed at random points ${KILLS} times leaves every finished backup restorable and verify clean`, async () => {
    const images = join(t.dir, "images");
    mkdirSync(images);
    makeImage(join(images, "0.img"), 2 << 20, "crash0");
    const ranges = makeNext(join(images, "0.img"), join(images, "1.img"), 0.05, 32);
    writeFileSync(join(images, "1.ranges.json"), JSON.stringify(ranges));
    makeImage(join(images, "2.img"), 1 << 20, "crash2");
    const expected = ["0", "1", "2"].map((k) => sha(join(images, `${k}.img`)));
    const dir = await kind.store(join(t.dir, "store"));
    await (await createCrashStore(dir)).close();

    const random = seededRandom();
    for (let i = 0; i < KILLS; i++) {
      await runAndKill(dir, images, Math.floor(random() * 3), Math.floor(random() * 120), i);
      const s = await openCrashStore(dir);
      try {
        const v = await s.verify();
        expect(v.damaged).toEqual([]);
        expect(v.unreadableBackups).toEqual([]);
        if (i % 10 === 9) expect((await gcAfterLease(s, kind.leaseMs)).aborted).toBeNull();
      } finally {
        await s.close();
      }
    }
    // the last killed child's backup session (an S3 lease) must lapse before its chunks are garbage
    await sleep(kind.leaseMs > 0 ? 2 * kind.leaseMs : 0);
    const s = await openCrashStore(dir);
    try {
      const backups = await s.listBackups();
      expect(backups.length).toBeGreaterThanOrEqual(kind.minBackups);
      expect((await s.verify({ full: true })).ok).toBe(true);
      for (const b of backups) {
        const out = join(t.dir, "restore.img");
        await s.restore(b.backupId, out);
        expect(sha(out)).toBe(expected[Number(b.label)]);
      }
      // the killed runs' leftovers are reclaimed
      const gc = await gcAfterLease(s, kind.leaseMs);
      expect(gc.aborted).toBeNull();
      const stats = await s.stats();
      expect(stats.chunkCount).toBe(new Set((await Promise.all(backups.map((b) => s.manifest(b.backupId)))).flatMap((m) => m.ids.filter(Boolean))).size);
    } finally {
      await s.close();
    }
  }, timeLimit(120_000));
});
