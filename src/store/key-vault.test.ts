// Per-store keys wrapped under a master key: durable, private (0600 in a 0700 directory), never
// on disk in the clear, bound to their store, and refused with WrongKeyError when the master
// key is not the one that wrapped them.
import { copyFileSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { WrongKeyError } from "./errors.ts";
import { FileKeyVault } from "./key-vault.ts";
import { tempDir } from "./test-support/fixtures.ts";

const t = tempDir("obr-keys-");
afterAll(() => t.cleanup());

const A = "0b8f5b7e-5d0a-4a4e-9a57-3f1c2d4e5f60";
const B = "7c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e";

test("a store's key: 256 random bits, the same on every read and for a second vault on the same directory", async () => {
  const dir = join(t.dir, "one");
  const vault = new FileKeyVault(dir);
  expect(await vault.get(A)).toBeUndefined();
  const key = await vault.ensure(A);
  expect(key).toMatch(/^[0-9a-f]{64}$/);
  expect(await vault.ensure(A)).toBe(key);
  expect(await new FileKeyVault(dir).get(A)).toBe(key);
  expect(await vault.ensure(B)).not.toBe(key);
  // Wrapped: the key's bytes appear in no file of the directory.
  for (const name of [`${A}.key`, "master.key"]) {
    const bytes = readFileSync(join(dir, name));
    expect(bytes.includes(Buffer.from(key, "hex"))).toBe(false);
    expect(bytes.toString("utf8")).not.toContain(key);
    expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
  }
  expect(statSync(dir).mode & 0o777).toBe(0o700);
});

test("concurrent ensure() calls for one store agree on one key", async () => {
  const vault = new FileKeyVault(join(t.dir, "race"));
  const keys = await Promise.all([vault.ensure(A), new FileKeyVault(join(t.dir, "race")).ensure(A), vault.ensure(A)]);
  expect(new Set(keys).size).toBe(1);
});

test("another master key, a key file moved to another store, a damaged or missing file: WrongKeyError", async () => {
  const dir = join(t.dir, "two");
  const vault = new FileKeyVault(dir);
  await vault.ensure(A);
  copyFileSync(join(dir, `${A}.key`), join(dir, `${B}.key`));
  await expect(new FileKeyVault(dir).get(B)).rejects.toBeInstanceOf(WrongKeyError);
  writeFileSync(join(dir, `${B}.key`), "{not json");
  await expect(new FileKeyVault(dir).get(B)).rejects.toBeInstanceOf(WrongKeyError);
  const master = readFileSync(join(dir, "master.key"));
  writeFileSync(join(dir, "master.key"), Buffer.alloc(32, 7));
  await expect(new FileKeyVault(dir).get(A)).rejects.toBeInstanceOf(WrongKeyError);
  rmSync(join(dir, "master.key"));
  await expect(new FileKeyVault(dir).get(A)).rejects.toThrow(/master\.key is missing/);
  writeFileSync(join(dir, "master.key"), master);
  expect(await new FileKeyVault(dir).get(A)).toMatch(/^[0-9a-f]{64}$/);
});

test("remove forgets the key; removing a missing key is no error", async () => {
  const vault = new FileKeyVault(join(t.dir, "three"));
  await vault.ensure(A);
  await vault.remove(A);
  expect(await vault.get(A)).toBeUndefined();
  await vault.remove(A);
});

test("a store's S3 target is kept wrapped beside its key: the first one stays, no credential in the clear, bound to its store, removed with the key", async () => {
  const dir = join(t.dir, "targets");
  const vault = new FileKeyVault(dir);
  const target = { endpoint: "http://127.0.0.1:7480", region: "us-east-1", bucket: "obr-eu", prefix: `obr/${A}/`, forcePathStyle: true, accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI-secret" };
  expect(await vault.target(A)).toBeUndefined();
  expect(await vault.ensureTarget(A, target)).toEqual(target);
  // a resumed create, or a changed OBR_S3_TARGETS, finds the target the store was made with
  expect(await new FileKeyVault(dir).ensureTarget(A, { ...target, bucket: "other" })).toEqual(target);
  const text = readFileSync(join(dir, `${A}.target`), "utf8");
  expect(text).not.toContain(target.secretAccessKey);
  expect(text).not.toContain(target.accessKeyId);
  expect(statSync(join(dir, `${A}.target`)).mode & 0o777).toBe(0o600);
  copyFileSync(join(dir, `${A}.target`), join(dir, `${B}.target`));
  await expect(vault.target(B)).rejects.toThrow(WrongKeyError);
  await vault.remove(A);
  expect(await vault.target(A)).toBeUndefined();
});

test("everUsed tells whether any store's key was ever made here, even after every store is gone (the demo then makes none)", async () => {
  const vault = new FileKeyVault(join(t.dir, "used"));
  expect(await vault.everUsed()).toBe(false);
  await vault.ensure(A);
  expect(await vault.everUsed()).toBe(true);
  await vault.remove(A);
  expect(await vault.everUsed()).toBe(true);
});
