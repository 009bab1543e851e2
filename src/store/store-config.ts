// config.json at the store root: format version, chunking parameters, compression level and
// the (wrapped) encryption key. Plain JSON: it must be readable before any key is known.
// Validated on every open: a flipped bit once renamed maxSize (the chunker then made zero-length
// chunks forever) and a renamed `encryption` key opened an encrypted store as plain. Every field
// is checked for presence, type and range, unknown fields are refused (a renamed key is never
// read as a missing optional one), and stores written since carry a checksum of the content, so
// damage that still parses (avgBits 18 -> 19) is refused too rather than changing behaviour.
import { createHash } from "node:crypto";
import { type TSchema, Type } from "typebox";
import { Value } from "typebox/value";
import type { BlobBackend } from "./backend.ts";
import { isNotFound } from "./backend.ts";
import type { IdHash } from "./chunk-codec.ts";
import type { ChunkingParams } from "./chunker.ts";
import { chunkingProblem } from "./chunker.ts";
import type { EncryptionConfig } from "./crypto.ts";
import { StoreConfigError, StoreExistsError, StoreNotFoundError } from "./errors.ts";

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

const closed = { additionalProperties: false } as const;
// chunking and encryption are checked on their own (by kind / when not null) so that an error
// names the field, not "must match a schema in anyOf"
const TopSchema = Type.Object(
  {
    format: Type.Literal("obr-protection-store"),
    version: Type.Literal(1),
    createdAt: Type.String({ minLength: 1, maxLength: 64 }),
    chunking: Type.Object({ kind: Type.Union([Type.Literal("cdc"), Type.Literal("fixed")]) }),
    zstdLevel: Type.Integer({ minimum: -7, maximum: 22 }),
    idHash: Type.Optional(Type.Union([Type.Literal("sha256"), Type.Literal("blake3")])),
    encryption: Type.Unknown(),
    checksum: Type.Optional(Type.String({ pattern: "^sha256:[0-9a-f]{64}$" })),
  },
  closed,
);
const CdcSchema = Type.Object({ kind: Type.Literal("cdc"), minSize: Type.Integer(), avgBits: Type.Integer(), maxSize: Type.Integer() }, closed);
const FixedSchema = Type.Object({ kind: Type.Literal("fixed"), size: Type.Integer() }, closed);
const EncryptionSchema = Type.Object(
  {
    kdf: Type.Union([Type.Literal("scrypt"), Type.Literal("keyfile")]),
    salt: Type.String({ pattern: "^[A-Za-z0-9+/]{22}==$" }), // 16 bytes
    scrypt: Type.Optional(Type.Object({ N: Type.Integer({ minimum: 2 ** 10, maximum: 2 ** 20 }), r: Type.Integer({ minimum: 1, maximum: 8 }), p: Type.Integer({ minimum: 1, maximum: 16 }) }, closed)),
    wrapped: Type.String({ pattern: "^[A-Za-z0-9+/]{123}=$" }), // iv 12 | tag 16 | key 64
  },
  closed,
);

/** Throws StoreConfigError naming the first field of `value` (under `at`) that does not fit. */
function check(schema: TSchema, value: unknown, at: string): void {
  const errors = Value.Errors(schema, value);
  const e = errors.find((x) => x.keyword !== "anyOf" && x.keyword !== "boolean") ?? errors[0];
  if (!e) return;
  const path = [at, ...e.instancePath.split("/").filter(Boolean)];
  if (e.keyword === "required" && "requiredProperties" in e.params) path.push(String(e.params.requiredProperties[0]));
  if (e.keyword === "additionalProperties" && "additionalProperties" in e.params) {
    path.push(String(e.params.additionalProperties[0]));
    throw new StoreConfigError(path.filter(Boolean).join("."), "unknown field (a damaged or renamed key)");
  }
  const field = path.filter(Boolean).join(".");
  throw new StoreConfigError(field, e.keyword === "required" ? "missing" : `${e.message} (found ${JSON.stringify(valueAt(value, e.instancePath))})`);
}

function valueAt(value: unknown, pointer: string): unknown {
  let v = value;
  for (const k of pointer.split("/").filter(Boolean)) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/** Checks a parsed config.json: schema, ranges and relations of every field, then the checksum. */
export function validateConfig(value: unknown): StoreConfig {
  check(TopSchema, value, "");
  if (!Value.Check(TopSchema, value)) throw new StoreConfigError("config.json", "does not match its schema");
  const chunking: unknown = value.chunking;
  check(value.chunking.kind === "cdc" ? CdcSchema : FixedSchema, chunking, "chunking");
  if (!(Value.Check(CdcSchema, chunking) || Value.Check(FixedSchema, chunking))) throw new StoreConfigError("chunking", "does not match its schema");
  const bad = chunkingProblem(chunking);
  if (bad) throw new StoreConfigError(`chunking.${bad.field}`, bad.problem);
  const enc: unknown = value.encryption;
  let encryption: EncryptionConfig | null = null;
  if (enc !== null) {
    check(EncryptionSchema, enc, "encryption");
    if (!Value.Check(EncryptionSchema, enc)) throw new StoreConfigError("encryption", "does not match its schema");
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
