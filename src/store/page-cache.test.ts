import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalDirBackend } from "./backends/local-dir.ts";
import { nativeAddon } from "../platform/native.ts";
import { DropBehind } from "../platform/page-cache.ts";
import { tempDir } from "./test-support/fixtures.ts";

/** Bytes of the file in the page cache (util-linux fincore). */
const resident = (path: string) => Number(execFileSync("fincore", ["--bytes", "--noheadings", "--raw", "--output", "RES", path], { encoding: "utf8" }).trim());

// the addon that gives fadvise is built by npm install where a C compiler exists (on CI machines)
describe.skipIf(process.platform !== "linux" || nativeAddon() === null)("page cache", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("a pack put through the local backend leaves the page cache once durable; small metadata stays cached", async () => {
    const backend = new LocalDirBackend(join(t.dir, "s"));
    await backend.put("packs/aa/pack", [randomBytes(3 << 20), randomBytes(1 << 20)]);
    await backend.put("index/aa", randomBytes(4096));
    expect(resident(join(t.dir, "s", "packs/aa/pack"))).toBe(0);
    expect(resident(join(t.dir, "s", "index/aa"))).toBe(4096);
    expect((await backend.get("packs/aa/pack")).length).toBe(4 << 20); // still all there
  });

  it("a pack created to be read back stays cached once durable, until uncache()", async () => {
    const backend = new LocalDirBackend(join(t.dir, "k"));
    const w = await backend.create("packs/bb/pack", { keepCached: true });
    await w.write([randomBytes(4 << 20)], 0);
    await w.commit();
    const path = join(t.dir, "k", "packs/bb/pack");
    expect(resident(path)).toBe(4 << 20);
    await backend.uncache("packs/bb/pack");
    expect(resident(path)).toBe(0);
    await backend.uncache("packs/bb/absent"); // advisory: an absent blob is no error
  });

  it("a long write drops what the kernel has written back every step bytes", async () => {
    const path = join(t.dir, "long.img");
    const fh = await open(path, "w");
    const behind = new DropBehind(fh.fd, 4 << 20);
    try {
      await fh.write(randomBytes(8 << 20), 0, 8 << 20, 0);
      await fh.datasync();
      behind.wrote(2 << 20); // below the step: nothing is dropped
      await behind.settle();
      expect(resident(path)).toBe(8 << 20);
      await fh.write(randomBytes(2 << 20), 0, 2 << 20, 8 << 20);
      behind.wrote(2 << 20); // a step: the 8 MiB on disk go; the new 2 MiB start writeback
      await behind.settle();
      expect(resident(path)).toBeLessThanOrEqual(2 << 20);
    } finally {
      await fh.close();
    }
  });
});
