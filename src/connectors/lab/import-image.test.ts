import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { checkImportSource, prepareRawImage } from "./import-image.ts";

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
