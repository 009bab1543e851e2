// Store keys. An encrypted store has a random 64-byte master secret (AES-256-GCM data key + HMAC
// chunk-id key), kept in config.json wrapped (AES-256-GCM) under a key derived from the
// passphrase (scrypt) or from a key file (HKDF-SHA-256). Unwrapping fails authentication on a
// wrong key, which is how a wrong key is told apart from corruption.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, scryptSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { WrongKeyError } from "./errors.ts";

export interface StoreKeys {
  /** AES-256-GCM key for chunk and manifest payloads. */
  encKey: Buffer;
  /** HMAC-SHA-256 key for chunk ids, so ids do not reveal plaintext hashes. */
  idKey: Buffer;
}

export interface KeySource {
  passphrase?: string;
  keyFile?: string;
}

export interface EncryptionConfig {
  kdf: "scrypt" | "keyfile";
  salt: string; // base64
  scrypt?: { N: number; r: number; p: number };
  wrapped: string; // base64 of iv(12) | tag(16) | ciphertext(64)
}

const WRAP_AAD = Buffer.from("obr-store-master-key-v1");

function wrappingKey(cfg: Pick<EncryptionConfig, "kdf" | "salt" | "scrypt">, src: KeySource): Buffer {
  const salt = Buffer.from(cfg.salt, "base64");
  if (cfg.kdf === "scrypt") {
    if (src.passphrase === undefined) throw new WrongKeyError("this store is encrypted: a passphrase is required");
    const { N, r, p } = cfg.scrypt ?? { N: 2 ** 15, r: 8, p: 1 };
    return scryptSync(src.passphrase, salt, 32, { N, r, p, maxmem: 256 * N * r });
  }
  if (src.keyFile === undefined) throw new WrongKeyError("this store is encrypted: a key file is required");
  const material = readFileSync(src.keyFile);
  if (material.length < 32) throw new WrongKeyError("key file must hold at least 32 bytes");
  return Buffer.from(hkdfSync("sha256", material, salt, "obr-store-keyfile-v1", 32));
}

export function createEncryption(src: KeySource, scryptN = 2 ** 15): { config: EncryptionConfig; keys: StoreKeys } {
  const kdf = src.keyFile !== undefined ? "keyfile" : "scrypt";
  const base = { kdf, salt: randomBytes(16).toString("base64"), ...(kdf === "scrypt" ? { scrypt: { N: scryptN, r: 8, p: 1 } } : {}) } as const;
  const master = randomBytes(64);
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", wrappingKey(base, src), iv);
  c.setAAD(WRAP_AAD);
  const ct = Buffer.concat([c.update(master), c.final()]);
  const wrapped = Buffer.concat([iv, c.getAuthTag(), ct]).toString("base64");
  return { config: { ...base, wrapped }, keys: splitMaster(master) };
}

export function openEncryption(cfg: EncryptionConfig, src: KeySource): StoreKeys {
  const blob = Buffer.from(cfg.wrapped, "base64");
  const d = createDecipheriv("aes-256-gcm", wrappingKey(cfg, src), blob.subarray(0, 12));
  d.setAAD(WRAP_AAD);
  d.setAuthTag(blob.subarray(12, 28));
  try {
    return splitMaster(Buffer.concat([d.update(blob.subarray(28)), d.final()]));
  } catch {
    throw new WrongKeyError();
  }
}

function splitMaster(m: Buffer): StoreKeys {
  return { encKey: Buffer.from(m.subarray(0, 32)), idKey: Buffer.from(m.subarray(32, 64)) };
}
