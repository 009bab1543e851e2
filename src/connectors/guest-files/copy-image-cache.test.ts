// The file-restore image cache: one fill shared by concurrent callers, an image kept while used
// and removed once idle, on evict and at start; a failed fill leaves nothing and is tried again.
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ImageNotReadyError } from "../../services/ports/guest-files.ts";
import { LocalCopyImageCache } from "./copy-image-cache.ts";

describe("LocalCopyImageCache", () => {
  let root: string;
  let cache: LocalCopyImageCache;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "obr-flr-cache-"));
    cache = new LocalCopyImageCache(join(root, "flr"), 60_000);
  });
  afterEach(async () => {
    cache.stop();
    await rm(root, { recursive: true, force: true });
  });

  it("fills once for concurrent users, sparse and whole; keeps it while used; sweeps it once idle; evicts it", async () => {
    await mkdir(join(root, "flr", "left-by-a-crash"), { recursive: true });
    await cache.start();
    expect(await readdir(join(root, "flr"))).toEqual([]);
    let fills = 0;
    const fill = async (w: { write(o: number, d: Uint8Array): Promise<void>; flush(): Promise<void> }) => {
      fills++;
      await w.write(1024 * 1024, Buffer.from("data"));
      await w.flush();
    };
    const read = (image: string) => readFile(image);
    const [a, b] = await Promise.all([cache.withImage("copy-1", 0, 4 * 1024 * 1024, fill, read), cache.withImage("copy-1", 0, 4 * 1024 * 1024, fill, read)]);
    expect(fills).toBe(1);
    expect(a.length).toBe(4 * 1024 * 1024);
    expect(a.subarray(1024 * 1024, 1024 * 1024 + 4).toString()).toBe("data");
    expect(a.equals(b)).toBe(true);
    const image = join(root, "flr", "copy-1", "disk-0.img");
    expect((await stat(image)).blocks * 512).toBeLessThan(1024 * 1024);

    // In use: not swept even when idle long enough.
    await cache.withImage("copy-1", 0, 4 * 1024 * 1024, fill, async () => {
      await cache.sweep(Date.now() + 120_000);
      expect((await stat(image)).isFile()).toBe(true);
    });
    await cache.sweep(Date.now() + 30_000);
    expect(cache.cached()).toEqual(["copy-1/0"]);
    await cache.sweep(Date.now() + 61_000);
    expect(cache.cached()).toEqual([]);
    await expect(stat(join(root, "flr", "copy-1"))).rejects.toMatchObject({ code: "ENOENT" });

    await cache.withImage("copy-2", 1, 1024, fill, async () => undefined);
    await cache.evict("copy-2");
    await expect(stat(join(root, "flr", "copy-2"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("a failed fill leaves no image and the next use fills again", async () => {
    await cache.start();
    await expect(cache.withImage("copy-3", 0, 1024, async () => Promise.reject(new Error("store unreachable")), async () => "used")).rejects.toThrow("store unreachable");
    expect(await readdir(join(root, "flr", "copy-3"))).toEqual([]);
    expect(await cache.withImage("copy-3", 0, 1024, async (w) => w.write(0, Buffer.from("ok")), (image) => readFile(image, "utf8").then((t) => t.slice(0, 2)))).toBe("ok");
    await cache.withScratch(async (dir) => {
      await writeFile(join(dir, "x"), "x");
      expect((await stat(dir)).isDirectory()).toBe(true);
    });
    expect(await readdir(join(root, "flr", "scratch"))).toEqual([]);
  });

  it("a request waits for a fill only so long: it is told to come back while the fill goes on, and the next call uses that fill", async () => {
    const quick = new LocalCopyImageCache(join(root, "flr-quick"), 60_000, 50);
    await quick.start();
    try {
      let fills = 0;
      let release = () => {};
      const slow = async (w: { write(o: number, d: Uint8Array): Promise<void>; flush(): Promise<void> }) => {
        fills++;
        await new Promise<void>((r) => {
          release = r;
        });
        await w.write(0, Buffer.from("late"));
        await w.flush();
      };
      const read = async (image: string) => (await readFile(image)).subarray(0, 4).toString();
      await expect(quick.withImage("copy-2", 0, 1 << 20, slow, read, { request: true })).rejects.toThrow(ImageNotReadyError);
      release();
      expect(await quick.withImage("copy-2", 0, 1 << 20, slow, read)).toBe("late"); // not a request: waits for the fill
      expect(fills).toBe(1);
    } finally {
      quick.stop();
    }
  });
});
