import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalDirBackend } from "./backends/local-dir.ts";
import { listPacks, PACK_TARGET, packKey } from "./pack-index.ts";
import { loadChunkIndex } from "./index-load.ts";
import { PackWriter } from "./pack-writer.ts";
import { tempDir } from "./test-support/fixtures.ts";

describe("pack writer", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("indexes every frame added concurrently, each readable where its index says", async () => {
    const backend = new LocalDirBackend(join(t.dir, "s"));
    // count the writes into each pack: one in flight per file, the frames that arrive meanwhile together
    let writes = 0;
    let overlapping = 0;
    const create = backend.create.bind(backend);
    backend.create = async (key) => {
      const w = await create(key);
      let busy = false;
      return {
        ...w,
        write: async (parts, offset) => {
          writes++;
          if (busy) overlapping++;
          busy = true;
          try {
            await w.write(parts, offset);
          } finally {
            busy = false;
          }
        },
      };
    };
    const writer = new PackWriter(backend, null);
    // ~3.5 packs' worth, sizes up to the largest frame (1 MiB + header)
    const frames = Array.from({ length: 140 }, (_, i) => randomBytes(i % 7 === 0 ? (1 << 20) + 72 : 1000 + ((i * 7919) % (300 << 10))));
    const ids = frames.map((_, i) => i.toString(16).padStart(64, "0"));
    // all at once: many add() calls wait for a buffer while packs are sealed under them
    const lens = await Promise.all(frames.map((f, i) => writer.add(ids[i] as string, [f], 123)));
    expect(lens).toEqual(frames.map((f) => f.length));
    await writer.finish();
    expect(overlapping).toBe(0);
    expect(writes).toBeLessThan(frames.length / 2);
    await backend.flush();
    const index = await loadChunkIndex(backend, null);
    const packs = await listPacks(backend);
    const total = frames.reduce((n, f) => n + f.length, 0);
    expect(index.packs.size).toBeGreaterThanOrEqual(Math.floor(total / (PACK_TARGET + (2 << 20))));
    expect(index.chunks.size).toBe(frames.length);
    for (const [i, f] of frames.entries()) {
      const loc = index.chunks.get(ids[i] as string);
      expect(loc && packs.has(loc.pack)).toBe(true);
      if (!loc) continue;
      const back = Buffer.alloc(loc.len);
      await backend.readAt(packKey(loc.pack), loc.off, back);
      expect(back.equals(f)).toBe(true);
    }
  });

  it("runs afterCommit on each pack once it is durable, with its entries; finish() waits for every call", async () => {
    const backend = new LocalDirBackend(join(t.dir, "after"));
    const seen: Array<{ pack: string; ids: string[]; present: boolean }> = [];
    let running = 0;
    const writer = new PackWriter(backend, null, {
      afterCommit: async (pack, entries) => {
        running++;
        const present = (await backend.stat(packKey(pack))) !== null; // committed under its key before the call
        await new Promise((r) => setTimeout(r, 20));
        seen.push({ pack, ids: entries.map((e) => e.id), present });
        running--;
      },
    });
    const frames = Array.from({ length: 40 }, () => randomBytes(600 << 10)); // three packs or so
    const ids = frames.map((_, i) => i.toString(16).padStart(64, "0"));
    for (const [i, f] of frames.entries()) await writer.add(ids[i] as string, [f], f.length);
    await writer.finish();
    expect(running).toBe(0);
    const packs = await listPacks(backend);
    expect(seen.map((s) => s.pack).sort()).toEqual([...packs.keys()].sort());
    expect(seen.every((s) => s.present)).toBe(true);
    expect(seen.flatMap((s) => s.ids).sort()).toEqual([...ids].sort());
  });
});
