import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, describe, expect, it } from "vitest";
import { ProtectionStore } from "./protection-store.ts";
import { makeImage, makeNext, tempDir } from "./test-support/fixtures.ts";

describe("resources", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("keeps the event loop responsive during backup, incremental and restore", async () => {
    const img = join(t.dir, "d0.img");
    const next = join(t.dir, "d1.img");
    makeImage(img, 40 << 20, "resources");
    makeNext(img, next, 0.03, 64);
    const s = await ProtectionStore.create(join(t.dir, "store"));
    const h = monitorEventLoopDelay({ resolution: 5 });
    try {
      await s.backup(img); // warm-up: worker start-up is not part of the measurement
      h.enable();
      const b = await s.backup(next);
      const i = await s.backup(img, { parent: b.backupId });
      await s.restore(i.backupId, join(t.dir, "out.img"));
      h.disable();
      const maxMs = h.max / 1e6;
      // the engine's own synchronous work is a few ms; the bound leaves room for a busy CI host
      expect(maxMs).toBeLessThan(150);
      console.info(`event loop delay during backup/restore: max ${maxMs.toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms`);
    } finally {
      await s.close();
    }
  });
});
