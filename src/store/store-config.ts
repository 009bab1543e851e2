// config.json at the store root: format version, chunking parameters, compression level and
// the (wrapped) encryption key. Plain JSON: it must be readable before any key is known.
// Validated on every open: a flipped bit once renamed maxSize (the chunker then made zero-length
// chunks forever) and a renamed `encryption` key opened an encrypted store as plain. Every field
// is checked for presence, type and range, unknown fields are refused (a renamed key is never
// read as a missing optional one), and stores written since carry a checksum of the content, so
// damage that still parses (avgBits 18 -> 19) is refused too rather than changing behaviour.
import { createHash } from "node:crypto";
import type { BlobBackend } from "./backend.ts";
import { isNotFound } from "./backend.ts";
import type { IdHash } from "./chunk-codec.ts";
import type { ChunkingParams } from "./chunker.ts";
import { chunkingProblem } from "./chunker.ts";
import type { EncryptionConfig } from "./crypto.ts";
import { StoreConfigError, StoreExistsError, StoreNotFoundError } from "./errors.ts";
import { S, type Shape, type Static, shapeProblem } from "./json-shape.ts";

export const CONFIG_KEY = "config.json";

export interface StoreConfig {
  format: "obr-protection-store";
  version: 1;
  createdAt: string;
  chunking: ChunkingParams;
  zstdLevel: number;
  /** Chunk id hash; absent in stores created before BLAKE3 became the default (= "sha256"). */
  idHash?: IdHash;
  encryption: EncryptionConfig | null;
  /** "sha256:<hex>" of the rest (canonical JSON); absent in stores created before it was added. */
  checksum?: string;
}

// chunking and encryption are checked on their own (by kind / when not null) so that an error
// names the field of the kind the config says it is
const TopShape = S.object({
  format: S.literal("obr-protection-store"),
  version: S.literal(1),
  createdAt: S.string({ minLength: 1, maxLength: 64 }),
  chunking: S.object({ kind: S.literal("cdc", "fixed") }, { open: true }),
  zstdLevel: S.integer({ minimum: -7, maximum: 22 }),
  idHash: S.optional(S.literal("sha256", "blake3")),
  encryption: S.unknown(),
  checksum: S.optional(S.string({ pattern: /^sha256:[0-9a-f]{64}$/ })),
});
const CdcShape = S.object({ kind: S.literal("cdc"), minSize: S.integer(), avgBits: S.integer(), maxSize: S.integer() });
const FixedShape = S.object({ kind: S.literal("fixed"), size: S.integer() });
const EncryptionShape = S.object({
  kdf: S.literal("scrypt", "keyfile"),
  salt: S.string({ pattern: /^[A-Za-z0-9+/]{22}==$/ }), // 16 bytes
  scrypt: S.optional(S.object({ N: S.integer({ minimum: 2 ** 10, maximum: 2 ** 20 }), r: S.integer({ minimum: 1, maximum: 8 }), p: S.integer({ minimum: 1, maximum: 16 }) })),
  wrapped: S.string({ pattern: /^[A-Za-z0-9+/]{123}=$/ }), // iv 12 | tag 16 | key 64
});

/** Narrows value to the shape's type, or throws StoreConfigError naming the first field (under `at`) that does not fit. */
function check<T extends Shape>(shape: T, value: unknown, at: string): asserts value is Static<T> {
  const bad = shapeProblem(shape, value, at);
  if (bad) throw new StoreConfigError(bad.field || "config.json", bad.problem);
}

/** Checks a parsed config.json: schema, ranges and relations of every field, then the checksum. */
export function validateConfig(value: unknown): StoreConfig {
  check(TopShape, value, "");
  const chunking: unknown = value.chunking;
  if (value.chunking.kind === "cdc") check(CdcShape, chunking, "chunking");
  else check(FixedShape, chunking, "chunking");
  const bad = chunkingProblem(chunking);
  if (bad) throw new StoreConfigError(`chunking.${bad.field}`, bad.problem);
  const enc: unknown = value.encryption;
  let encryption: EncryptionConfig | null = null;
  if (enc !== null) {
    check(EncryptionShape, enc, "encryption");
    const n = enc.scrypt?.N;
    if (n !== undefined && (n & (n - 1)) !== 0) throw new StoreConfigError("encryption.scrypt.N", `${n} is not a power of two`);
    encryption = enc;
  }
  const { idHash, checksum, ...rest } = value;
  const cfg: StoreConfig = { ...rest, chunking, encryption, ...(idHash ? { idHash } : {}) };
  if (checksum !== undefined && checksum !== configChecksum(cfg)) {
    throw new StoreConfigError("checksum", "does not match the content: config.json is damaged (restore it from a copy of the store)");
  }
  return checksum ? { ...cfg, checksum } : cfg;
}

/** SHA-256 of the config without its checksum, as JSON with keys sorted at every level. */
export function configChecksum(cfg: StoreConfig): string {
  const { checksum: _, ...rest } = cfg;
  return `sha256:${createHash("sha256").update(canonical(rest)).digest("hex")}`;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** Parses and validates config.json's bytes; every failure is a StoreConfigError. */
export function parseConfig(raw: Buffer): StoreConfig {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch (err) {
    throw new StoreConfigError("config.json", `not valid JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  return validateConfig(value);
}

export async function writeNewConfig(backend: BlobBackend, cfg: StoreConfig): Promise<StoreConfig> {
  const sealed: StoreConfig = { ...cfg, checksum: configChecksum(cfg) };
  if (!(await backend.putExclusive(CONFIG_KEY, Buffer.from(JSON.stringify(sealed, null, 2))))) throw new StoreExistsError();
  return sealed;
}

export async function readConfig(backend: BlobBackend): Promise<StoreConfig> {
  let raw: Buffer;
  try {
    raw = await backend.get(CONFIG_KEY);
  } catch (err) {
    if (isNotFound(err)) throw new StoreNotFoundError();
    throw err;
  }
  return parseConfig(raw);
}
