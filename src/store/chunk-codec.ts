// The chunk frame: every stored blob (chunk or manifest) is
//   magic "OBC1" | flags u8 (1 = zstd, 2 = AES-256-GCM, 4 = BLAKE3 id) | 3 reserved |
//   plainLen u32le | id (32) [| iv (12) | tag (16) when encrypted] | payload
// The id is a hash of the plaintext, keyed with the store's id key when encrypted: BLAKE3
// (keyed BLAKE3) in stores created since it became the default, SHA-256 (HMAC-SHA-256) in older
// ones and for metadata frames. Each frame says which, so decoding needs no store setting.
// Decoding always re-derives the id from the decoded plaintext and compares: a blob either
// yields exactly the bytes it was named for or throws ChunkCorruptError.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import type * as BlakeHash from "@napi-rs/blake-hash";
import type { StoreKeys } from "./crypto.ts";
import { ChunkCorruptError } from "./errors.ts";
import { compress, decompressInto } from "./zstd.ts";

const MAGIC = 0x3143424f; // "OBC1" little-endian
const F_ZSTD = 1;
const F_ENC = 2;
const F_BLAKE3 = 4;
const BASE_HEADER = 44;
const ENC_EXTRA = 28;
const SAMPLE = 8192;

/** How chunk ids are computed. BLAKE3 hashes ~1.9x faster than SHA-256 (SHA-NI) here. */
export type IdHash = "sha256" | "blake3";

/** The BLAKE3 binding is a native addon: loaded on the first BLAKE3 id, not when the store is imported. */
let blakeHash: typeof BlakeHash | undefined;
function blake(): typeof BlakeHash {
  if (blakeHash) return blakeHash;
  const loaded: typeof BlakeHash = createRequire(import.meta.url)("@napi-rs/blake-hash");
  blakeHash = loaded;
  return loaded;
}

export function chunkId(plain: Uint8Array, keys: StoreKeys | null, hash: IdHash): string {
  if (hash === "blake3") {
    const b = blake();
    return (keys ? b.Blake3Hasher.newKeyed(keys.idKey).update(plain).digestBuffer() : b.blake3(plain)).toString("hex");
  }
  const h = keys ? createHmac("sha256", keys.idKey) : createHash("sha256");
  return h.update(plain).digest("hex");
}

/** Cheap test: compress two small samples; already-compressed/encrypted data is stored raw. */
function looksCompressible(plain: Uint8Array, level: number): boolean {
  if (plain.length <= 2 * SAMPLE) return true;
  // the tail is only tried when the head does not compress
  const shrinks = (sample: Uint8Array) => compress(sample, level).length < SAMPLE * 0.9;
  return shrinks(plain.subarray(0, SAMPLE)) || shrinks(plain.subarray(plain.length - SAMPLE));
}

/**
 * The frame as header + payload. The payload is `plain` itself when stored raw in a plaintext
 * store (no copy: the caller writes both parts with one writev); a compressed payload is a view
 * into this thread's zstd scratch, valid until the next encode on the thread.
 */
export function encodeChunkParts(plain: Uint8Array, id: string, keys: StoreKeys | null, level: number, hash: IdHash): { header: Uint8Array; payload: Uint8Array } {
  let payload: Uint8Array = plain;
  let flags = hash === "blake3" ? F_BLAKE3 : 0;
  if (looksCompressible(plain, level)) {
    const z = compress(plain, level);
    if (z.length < plain.length) {
      payload = z;
      flags |= F_ZSTD;
    }
  }
  if (keys) flags |= F_ENC;
  const header = new Uint8Array(BASE_HEADER + (keys ? ENC_EXTRA : 0));
  const dv = new DataView(header.buffer);
  dv.setUint32(0, MAGIC, true);
  header[4] = flags;
  dv.setUint32(8, plain.length, true);
  header.set(Buffer.from(id, "hex"), 12);
  if (!keys) return { header, payload };
  const iv = randomBytes(12);
  header.set(iv, BASE_HEADER);
  const c = createCipheriv("aes-256-gcm", keys.encKey, iv);
  c.setAAD(header.subarray(0, BASE_HEADER));
  const ct = c.update(payload);
  c.final();
  header.set(c.getAuthTag(), BASE_HEADER + 12);
  return { header, payload: ct };
}

/** Frames plain as one contiguous blob; id must be chunkId(plain, keys, hash). */
export function encodeChunk(plain: Uint8Array, id: string, keys: StoreKeys | null, level: number, hash: IdHash): Uint8Array {
  const { header, payload } = encodeChunkParts(plain, id, keys, level, hash);
  const out = new Uint8Array(header.length + payload.length);
  out.set(header);
  out.set(payload, header.length);
  return out;
}

/** The plaintext length a frame claims (0 when it is too short to say). */
export function framePlainLength(blob: Uint8Array): number {
  return blob.length < BASE_HEADER ? 0 : new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(8, true);
}

/** What a frame's header says about it (null when too short or not a frame): checked against config.json on open. */
export function frameFlags(header: Uint8Array): { encrypted: boolean; blake3: boolean } | null {
  if (header.length < 5 || new DataView(header.buffer, header.byteOffset, header.byteLength).getUint32(0, true) !== MAGIC) return null;
  const flags = header[4] ?? 0;
  return { encrypted: (flags & F_ENC) !== 0, blake3: (flags & F_BLAKE3) !== 0 };
}

/** The id a frame claims (manifests are self-named: decode with this, which re-verifies it). */
export function frameId(blob: Uint8Array): string {
  if (blob.length < BASE_HEADER) return "";
  return Buffer.from(blob.buffer, blob.byteOffset + 12, 32).toString("hex");
}

/**
 * Decodes and verifies; throws ChunkCorruptError rather than return anything but the named
 * bytes. With `into`, the plaintext is written to its start (it must hold the plaintext) and a
 * view of it is returned, so restores decode straight into their pooled buffers; with
 * `rawInPlace` too, a frame stored raw (and not encrypted) is returned where it lies in the blob
 * instead of being copied (a third of a typical image is incompressible).
 */
export function decodeChunk(blob: Uint8Array, expectedId: string, keys: StoreKeys | null, into?: Uint8Array, rawInPlace = false): Buffer {
  const fail = (why: string): never => {
    throw new ChunkCorruptError(expectedId, why);
  };
  if (blob.length < BASE_HEADER) fail("truncated header");
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) fail("bad magic");
  const flags = blob[4] ?? 0;
  const plainLen = dv.getUint32(8, true);
  if (Buffer.from(blob.buffer, blob.byteOffset + 12, 32).toString("hex") !== expectedId) fail("id in header differs");
  const encrypted = (flags & F_ENC) !== 0;
  if (encrypted !== (keys !== null)) fail(encrypted ? "encrypted blob in a plaintext store" : "plaintext blob in an encrypted store");
  if (into && into.length < plainLen) fail(`plaintext length ${plainLen} exceeds the ${into.length} bytes expected`);
  let payload: Uint8Array = blob.subarray(BASE_HEADER + (encrypted ? ENC_EXTRA : 0));
  if (keys) {
    if (blob.length < BASE_HEADER + ENC_EXTRA) fail("truncated header");
    const d = createDecipheriv("aes-256-gcm", keys.encKey, blob.subarray(BASE_HEADER, BASE_HEADER + 12));
    d.setAAD(blob.subarray(0, BASE_HEADER));
    d.setAuthTag(blob.subarray(BASE_HEADER + 12, BASE_HEADER + 28));
    try {
      const dec = d.update(payload);
      d.final(); // GCM: no further output, only the tag check
      payload = dec;
    } catch {
      fail("authentication failed");
    }
  }
  const target = into ? Buffer.from(into.buffer, into.byteOffset, plainLen) : null;
  let plain: Buffer;
  if (flags & F_ZSTD) {
    const dst = target ?? Buffer.allocUnsafe(plainLen);
    let n = -1;
    try {
      n = decompressInto(payload, dst);
    } catch {
      fail("decompression failed");
    }
    if (n !== plainLen) fail(`length ${n} != ${plainLen}`);
    plain = dst;
  } else {
    if (payload.length !== plainLen) fail(`length ${payload.length} != ${plainLen}`);
    plain = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    // a decrypted payload is fresh memory of its own: always copied where asked
    if (target && !(rawInPlace && !keys)) {
      if (!(target.buffer === plain.buffer && target.byteOffset === plain.byteOffset)) target.set(plain);
      plain = target;
    }
  }
  if (chunkId(plain, keys, flags & F_BLAKE3 ? "blake3" : "sha256") !== expectedId) fail("content hash mismatch");
  return plain;
}
