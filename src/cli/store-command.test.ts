import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readdirSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ProtectionStore } from "../store/index.ts";
import { sha, tempDir } from "../store/test-support/fixtures.ts";

const MAIN = join(import.meta.dirname, "..", "main.ts");

function obr(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("obr store", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("verify names the damage, repair-index rebuilds the index with progress, then verify is clean", async () => {
    const dir = join(t.dir, "store");
    const img = join(t.dir, "a.img");
    writeFileSync(img, randomBytes(1 << 20));
    writeFileSync(join(t.dir, "pw"), "secret\n");
    const s = await ProtectionStore.create(dir, { passphrase: "secret", scryptN: 2 ** 12 });
    const b = await s.backup(img);
    await s.close();
    const blob = join(dir, "index", readdirSync(join(dir, "index"))[0] as string);
    const fd = openSync(blob, "r+");
    writeSync(fd, Buffer.from([0xff]), 0, 1, 50);
    closeSync(fd);

    const bad = obr("store", "verify", dir, "--passphrase-file", join(t.dir, "pw"));
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain("DAMAGED");
    expect(bad.stdout).toContain(`backups: ${b.backupId}`);

    const repaired = obr("store", "repair-index", dir, "--passphrase-file", join(t.dir, "pw"));
    expect(repaired.stderr).toContain("reading pack trailers: 1/1 packs (100%)");
    expect(repaired.stdout).toContain("1 index blob(s) rebuilt from pack trailers");
    expect(repaired.status).toBe(0);

    const good = obr("store", "verify", dir, "--full", "--passphrase-file", join(t.dir, "pw"), "--json");
    expect(good.status).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, full: true, backupsChecked: 1 });
    const s2 = await ProtectionStore.open(dir, { passphrase: "secret" });
    try {
      await s2.restore(b.backupId, join(t.dir, "a.out"));
      expect(sha(join(t.dir, "a.out"))).toBe(sha(img));
    } finally {
      await s2.close();
    }
  });

  it("a directory without a store is one clear line and exit code 1", () => {
    const r = obr("store", "repair-index", join(t.dir, "nothing-here"));
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("obr store: no protection store there (config.json missing)\n");
  });
});
