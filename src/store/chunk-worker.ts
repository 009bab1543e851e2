// Worker thread: chunking + hashing, encoding (zstd, AES-GCM) and verified decoding. Apart from
// the diff's reads of the source image, pure CPU: store I/O stays on the main thread behind the
// BlobBackend.
import { readSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { chunkRegion, isAllZero } from "./chunker.ts";
import type { IdHash } from "./chunk-codec.ts";
import { chunkId, decodeChunk, encodeChunkParts, framePlainLength } from "./chunk-codec.ts";
import type { StoreKeys } from "./crypto.ts";
import type { ChunkResult, DecodeResult, DiffResult, EncodedFrame, EncodeResult, HashResult, StoreProfile, WorkerMessage, WorkerTask } from "./worker-protocol.ts";

let lastKeys: StoreKeys | null = null;
/** The profile's keys as Buffers, reused while consecutive tasks come from the same store. */
function keysOf(p: StoreProfile): StoreKeys | null {
  if (!p.encKey || !p.idKey) return null;
  if (!lastKeys?.encKey.equals(p.encKey) || !lastKeys.idKey.equals(p.idKey)) lastKeys = { encKey: Buffer.from(p.encKey), idKey: Buffer.from(p.idKey) };
  return lastKeys;
}

let scratchBuf = Buffer.alloc(0);
/**
 * This thread's reused memory (fresh pages are expensive, see zstd.ts) for verify-only decodes
 * and the diff's reads, which stay small enough to be in cache while they are hashed. One task
 * runs at a time, so they never need it together.
 */
function scratch(n: number): Buffer {
  if (scratchBuf.length < n) scratchBuf = Buffer.alloc(Math.max(n, 1 << 20));
  return scratchBuf;
}
const ZERO_PIECE = 1 << 20;

/** Fills buf with image bytes from offset at of fd; throws when the image ends first. */
function readFully(fd: number, buf: Uint8Array, at: number): Uint8Array {
  for (let got = 0; got < buf.length; ) {
    const r = readSync(fd, buf, got, buf.length - got, at + got);
    if (r === 0) throw new Error(`image shrank while reading at ${at + got}`);
    got += r;
  }
  return buf;
}

/** Whether image bytes [off, off + len) of fd still hash to id (are still all zero for ""). */
function extentUnchanged(fd: number, off: number, len: number, id: string, keys: StoreKeys | null, hash: IdHash): boolean {
  const read = (at: number, n: number) => readFully(fd, scratch(n).subarray(0, n), at);
  if (id !== "") return chunkId(read(off, len), keys, hash) === id;
  for (let p = off; p < off + len; p += ZERO_PIECE) if (!isAllZero(read(p, Math.min(ZERO_PIECE, off + len - p)))) return false;
  return true;
}

/** Encodes the piece [off, len, id] of slot (image bytes from base) over its own plaintext. */
function encodeInPlace(slot: SharedArrayBuffer, base: number, [off, len, id]: readonly [number, number, string], keys: StoreKeys | null, profile: StoreProfile): EncodedFrame {
  const plain = Buffer.from(slot, off - base, len);
  const { header, payload } = encodeChunkParts(plain, id, keys, profile.zstdLevel, profile.idHash);
  if (payload !== plain) plain.set(payload); // payload.length <= len; the plaintext is no longer needed
  return { header, payloadLen: payload.length };
}

function run(task: WorkerTask, profile: StoreProfile): ChunkResult | DiffResult | EncodeResult | DecodeResult | HashResult {
  const keys = keysOf(profile);
  if (task.op === "chunk") {
    // Buffer views over shared memory: node:crypto and zlib take a slow path for plain
    // SharedArrayBuffer-backed Uint8Arrays
    const buf = Buffer.from(task.slot, 0, task.length);
    if (task.fd !== undefined) readFully(task.fd, buf, task.base);
    const sync = task.syncAt?.length ? new Set(task.syncAt) : null;
    const { cuts, next } = chunkRegion(buf, task.base, task.from, task.final, profile.chunking, sync ? (end) => sync.has(end) : undefined);
    const out: ChunkResult = {
      cuts: cuts.map((c) => [c.off, c.len, c.zero ? "" : chunkId(buf.subarray(c.off - task.base, c.off - task.base + c.len), keys, profile.idHash)]),
      next,
    };
    if (task.encodeExcept) {
      const skip = new Set(task.encodeExcept);
      const frames: NonNullable<ChunkResult["frames"]> = [];
      out.cuts.forEach((c, i) => {
        if (!c[2] || skip.has(c[2])) return;
        skip.add(c[2]); // once per id
        frames.push({ ...encodeInPlace(task.slot, task.base, c, keys, profile), cut: i });
      });
      out.frames = frames;
    }
    return out;
  }
  if (task.op === "diff") {
    const changed: DiffResult["changed"] = task.extents.filter(([off, len, id]) => !extentUnchanged(task.fd, off, len, id, keys, profile.idHash)).map(([off, len]) => [off, len]);
    return { changed };
  }
  if (task.op === "hash") return { ids: task.pieces.map(([off, len]) => chunkId(Buffer.from(task.slot, off, len), keys, profile.idHash)) };
  if (task.op === "encode") return { frames: task.pieces.map((p) => encodeInPlace(task.slot, task.base, p, keys, profile)) } satisfies EncodeResult;
  const at: number[] = [];
  const errors = task.items.map(({ off, len, id, out, plainLen }) => {
    at.push(out);
    try {
      const src = Buffer.from(task.slot, off, len);
      const into = task.verifyOnly ? scratch(framePlainLength(src)) : Buffer.from(task.slot, out, plainLen);
      // a raw frame is hashed where it lies, also when only verifying: copied out of the shared
      // slot it went through V8's relaxed (atomic-safe) memmove, a fifth of a verify's CPU
      const plain = decodeChunk(src, id, keys, into, true);
      at[at.length - 1] = plain.byteOffset; // views of the slot count from its start
      return task.verifyOnly || plain.length === plainLen ? null : `length ${plain.length} differs from the manifest's ${plainLen}`;
    } catch (err) {
      return (err as Error).message;
    }
  });
  return { errors, at };
}

parentPort?.on("message", (msg: WorkerMessage) => {
  try {
    parentPort?.postMessage({ seq: msg.seq, result: run(msg.task, msg.profile) });
  } catch (err) {
    parentPort?.postMessage({ seq: msg.seq, error: (err as Error).stack ?? String(err) });
  }
});
