import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { randomBytes } from "node:crypto";
import { checkImportSource, nonZeroExtents, prepareRawImage } from "./import-image.ts";

// What `obr lab import-vm` must never turn into a lab disk.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "obr-import-image-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("import sources", () => {
  test("a symbolic link, a device, a directory and a partial sector are refused; a whole-sector file is read", async () => {
    const good = join(dir, "good.raw");
    await writeFile(good, Buffer.alloc(8192, 7));
    await symlink(good, join(dir, "link.raw"));
    await writeFile(join(dir, "odd.raw"), Buffer.alloc(1000, 7));
    await mkdir(join(dir, "dir.raw"));
    const refusals: [string, RegExp][] = [
      [join(dir, "link.raw"), /symbolic link/],
      ["/dev/zero", /not a regular file/],
      [join(dir, "dir.raw"), /not a regular file/],
      [join(dir, "odd.raw"), /512-byte sectors/],
      [join(dir, "missing.raw"), /does not exist/],
    ];
    for (const [path, why] of refusals) await expect(prepareRawImage(path, dir)).rejects.toThrow(why);
    expect((await prepareRawImage(good, dir)).capacityBytes).toBe(8192);
  });

  test("a file inside the private dir is refused, also through a linked parent directory", async () => {
    const priv = join(dir, "data");
    await mkdir(join(priv, "keys"), { recursive: true });
    await writeFile(join(priv, "keys", "key.raw"), Buffer.alloc(512));
    await symlink(join(priv, "keys"), join(dir, "innocent"));
    await expect(checkImportSource(join(priv, "keys", "key.raw"), priv)).rejects.toThrow(/inside the data dir/);
    await expect(checkImportSource(join(dir, "innocent", "key.raw"), priv)).rejects.toThrow(/inside the data dir/);
    await writeFile(join(dir, "outside.raw"), Buffer.alloc(512));
    await expect(checkImportSource(join(dir, "outside.raw"), priv)).resolves.toBeUndefined();
  });
});

describe("reading an image's data", () => {
  test("the extents hold every non-zero byte where it lies, skip zero 64 KiB blocks, and reach a partial last block", async () => {
    const KiB = 1024;
    const image = Buffer.alloc(9 * 1024 * KiB + 3 * 512); // three 4 MiB reads, the last one short
    randomBytes(200 * KiB).copy(image, 4 * 1024 * KiB - 100 * KiB); // across the first read's end
    randomBytes(64 * KiB).copy(image, 6 * 1024 * KiB); // one block after a run of zeros
    randomBytes(1000).copy(image, image.length - 1000); // the partial block at the end
    const path = join(dir, "extents.img");
    await writeFile(path, image);
    const rebuilt = Buffer.alloc(image.length);
    let extents = 0;
    for await (const { offset, data } of nonZeroExtents(path)) {
      extents++;
      data.copy(rebuilt, offset); // a view of the reader's buffer: used before the next extent
      for (let at = 0; at < data.length; at += 64 * KiB) expect(data.subarray(at, at + 64 * KiB).some((b) => b !== 0)).toBe(true);
    }
    expect(rebuilt.equals(image)).toBe(true);
    expect(extents).toBe(4); // the run across the first boundary is cut there
  });
});
