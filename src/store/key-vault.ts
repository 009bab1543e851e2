// Keys of encrypted protection stores, kept on the server's disk: each store's key is a random
// 256-bit secret, stored in <keys dir>/<store id>.key (and a cloud store's S3 target with its
// credentials in <store id>.target) wrapped (AES-256-GCM, the store id as
// additional data, so a key file copied to another store's name does not open) under the master
// key in <keys dir>/master.key. The directory is 0700 and every file 0600; a file is written to
// a temporary name, fsynced and renamed, so a crash never leaves half a key.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { link, mkdir, open, readFile, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import { Type } from "typebox";
import { Value } from "typebox/value";
import type { S3StoreTarget } from "../services/infrastructure/chunk-stores.ts";
import type { StoreKeys } from "../services/infrastructure/store-keys.ts";
import { StoreArgumentError, WrongKeyError, wrapStoreError } from "./errors.ts";
import { pathExists } from "../platform/path-exists.ts";

const KEY_BYTES = 32;
const MASTER = "master.key";
const WrappedKey = Type.Object({ version: Type.Literal(1), iv: Type.String(), tag: Type.String(), wrapped: Type.String() });
const StoredTarget = Type.Object({
  endpoint: Type.Optional(Type.String()),
  region: Type.String(),
  bucket: Type.String(),
  prefix: Type.String(),
  forcePathStyle: Type.Boolean(),
  accessKeyId: Type.String(),
  secretAccessKey: Type.String(),
});
/** What the vault keeps per store: its key (<id>.key), and for a store in a bucket its S3 target with credentials (<id>.target). */
const KINDS = ["key", "target"] as const;
type Kind = (typeof KINDS)[number];

function isMissing(err: unknown): boolean {
  return err instanceof Error && "code" in err && err.code === "ENOENT";
}

export class FileKeyVault implements StoreKeys {
  readonly dir: string;
  #master: Promise<Buffer> | undefined;

  constructor(dir: string) {
    this.dir = dir;
  }

  async ensure(storeId: string): Promise<string> {
    const existing = await this.get(storeId);
    if (existing !== undefined) return existing;
    const key = randomBytes(KEY_BYTES);
    // Two concurrent ensure() calls agree: the second finds the first one's file.
    if (!(await this.#seal("key", storeId, key))) return (await this.get(storeId)) ?? key.toString("hex");
    return key.toString("hex");
  }

  everUsed(): Promise<boolean> {
    return pathExists(join(this.dir, MASTER));
  }

  async get(storeId: string): Promise<string | undefined> {
    return (await this.#unseal("key", storeId))?.toString("hex");
  }

  async ensureTarget(storeId: string, target: S3StoreTarget): Promise<S3StoreTarget> {
    const existing = await this.target(storeId);
    if (existing !== undefined) return existing;
    if (!(await this.#seal("target", storeId, Buffer.from(JSON.stringify(target))))) return (await this.target(storeId)) ?? target;
    return target;
  }

  async target(storeId: string): Promise<S3StoreTarget | undefined> {
    const plain = await this.#unseal("target", storeId);
    if (plain === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(plain.toString("utf8"));
    } catch {
      parsed = undefined;
    }
    if (!Value.Check(StoredTarget, parsed)) throw new WrongKeyError(`the S3 target file of store ${storeId} is damaged`);
    return parsed;
  }

  async remove(storeId: string): Promise<void> {
    try {
      for (const kind of KINDS) await rm(this.#path(kind, storeId), { force: true });
    } catch (err) {
      throw wrapStoreError(err, "remove key", this.dir);
    }
  }

  /** Writes `plain` wrapped under the master key (bound to kind and store); false when the file exists already. */
  async #seal(kind: Kind, storeId: string, plain: Buffer): Promise<boolean> {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", await this.#masterKey(true), iv);
    cipher.setAAD(aad(kind, storeId));
    const wrapped = Buffer.concat([cipher.update(plain), cipher.final()]);
    const record = { version: 1, iv: iv.toString("base64"), tag: cipher.getAuthTag().toString("base64"), wrapped: wrapped.toString("base64") };
    return this.#write(this.#path(kind, storeId), Buffer.from(`${JSON.stringify(record)}\n`));
  }

  /** The unwrapped contents, or undefined when the store has no such file. */
  async #unseal(kind: Kind, storeId: string): Promise<Buffer | undefined> {
    let text: string;
    try {
      text = await readFile(this.#path(kind, storeId), "utf8");
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw wrapStoreError(err, `read ${kind}`, this.dir);
    }
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      record = undefined;
    }
    if (!Value.Check(WrappedKey, record)) throw new WrongKeyError(`the ${kind} file of store ${storeId} is damaged`);
    const master = await this.#masterKey(false);
    try {
      const decipher = createDecipheriv("aes-256-gcm", master, Buffer.from(record.iv, "base64"));
      decipher.setAAD(aad(kind, storeId));
      decipher.setAuthTag(Buffer.from(record.tag, "base64"));
      return Buffer.concat([decipher.update(Buffer.from(record.wrapped, "base64")), decipher.final()]);
    } catch {
      throw new WrongKeyError(`the ${kind} of store ${storeId} does not unwrap with ${MASTER} (a different master key?)`);
    }
  }

  #path(kind: Kind, storeId: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/.test(storeId)) throw new StoreArgumentError(`bad store id '${storeId}'`);
    return join(this.dir, `${storeId}.${kind}`);
  }

  /** The master key, created (exclusively, so two processes agree on one) when `create` allows. */
  #masterKey(create: boolean): Promise<Buffer> {
    const load = async (): Promise<Buffer> => {
      const path = join(this.dir, MASTER);
      try {
        const key = await readFile(path);
        if (key.length !== KEY_BYTES) throw new WrongKeyError(`${MASTER} must hold ${KEY_BYTES} bytes`);
        return key;
      } catch (err) {
        if (!isMissing(err)) throw wrapStoreError(err, "read master key", this.dir);
      }
      if (!create) throw new WrongKeyError(`${MASTER} is missing from the keys directory: restore it from your backup of the data dir`);
      const key = randomBytes(KEY_BYTES);
      return (await this.#write(path, key)) ? key : readFile(path);
    };
    this.#master ??= load().catch((err: unknown) => {
      this.#master = undefined;
      throw err;
    });
    return this.#master;
  }

  /** Writes a 0600 file durably, never over an existing one: false when the file already exists. */
  async #write(path: string, data: Buffer): Promise<boolean> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
      const fh = await open(tmp, "wx", 0o600);
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
      try {
        await link(tmp, path);
      } catch (err) {
        if (err instanceof Error && "code" in err && err.code === "EEXIST") return false;
        throw err;
      } finally {
        await unlink(tmp);
      }
      const dirHandle = await open(this.dir, "r");
      try {
        await dirHandle.sync();
      } finally {
        await dirHandle.close();
      }
      return true;
    } catch (err) {
      throw wrapStoreError(err, "write key", this.dir);
    }
  }
}

function aad(kind: Kind, storeId: string): Buffer {
  return Buffer.from(`obr-store-${kind}-v1:${storeId}`);
}
