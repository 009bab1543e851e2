// Seals secrets that obr must be able to read back (a StoreOnce's credentials, a proxy password):
// AES-256-GCM under a random key kept in <data dir>/keys/credentials.key (0600). Anyone holding
// the database alone learns nothing; the key file must be backed up with the data dir.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

const KEY_BYTES = 32;
const IV_BYTES = 12;
const VERSION = "v1";

export interface SecretBox {
  /** `v1.<iv>.<tag>.<ciphertext>` (base64url); a fresh IV every time. */
  seal(plain: string): string;
  /** Throws when the text was not sealed with this key or was altered. */
  open(sealed: string): string;
}

export function secretBox(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES) throw new Error(`a credentials key has ${KEY_BYTES} bytes, not ${key.length}`);
  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return [VERSION, iv, cipher.getAuthTag(), data].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".");
    },
    open(sealed) {
      const [version, iv, tag, data] = sealed.split(".");
      if (version !== VERSION || iv === undefined || tag === undefined || data === undefined) throw new Error("not a sealed secret");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
    },
  };
}

/** The data dir's credentials key, created (0600, in a 0700 directory) on first use. */
export async function loadOrCreateSecretBox(dataDir: string): Promise<SecretBox> {
  const dir = join(dataDir, "keys");
  const file = join(dir, "credentials.key");
  try {
    return secretBox(Buffer.from((await readFile(file, "utf8")).trim(), "base64url"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, randomBytes(KEY_BYTES).toString("base64url"), { mode: 0o600, flush: true, flag: "wx" });
  // Two processes starting at once: link() never replaces a key, so both read the one that won.
  await link(tmp, file).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "EEXIST") throw err;
  });
  await unlink(tmp);
  return secretBox(Buffer.from((await readFile(file, "utf8")).trim(), "base64url"));
}
