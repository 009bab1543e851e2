// Worker thread: chunking + hashing, encoding (zstd, AES-GCM) and verified decoding. Pure CPU;
// all I/O stays on the main thread behind the BlobBackend.
import { parentPort } from "node:worker_threads";
import { chunkRegion, isAllZero } from "./chunker.ts";
import { chunkId, decodeChunk, encodeChunkParts, framePlainLength } from "./chunk-codec.ts";
import type { StoreKeys } from "./crypto.ts";
import type { ChunkResult, DecodeResult, DiffResult, EncodeResult, StoreProfile, WorkerMessage, WorkerTask } from "./worker-protocol.ts";

let lastKeys: StoreKeys | null = null;
/** The profile's keys as Buffers, reused while consecutive tasks come from the same store. */
function keysOf(p: StoreProfile): StoreKeys | null {
  if (!p.encKey || !p.idKey) return null;
  if (!lastKeys?.encKey.equals(p.encKey) || !lastKeys.idKey.equals(p.idKey)) lastKeys = { encKey: Buffer.from(p.encKey), idKey: Buffer.from(p.idKey) };
  return lastKeys;
}

let verifyBuf = Buffer.alloc(0);
/** Reused plaintext memory for verify-only decodes (fresh pages are expensive, see zstd.ts). */
function verifyScratch(n: number): Buffer {
  if (verifyBuf.length < n) verifyBuf = Buffer.alloc(Math.max(n, 1 << 20));
  return verifyBuf;
}

function run(task: WorkerTask, profile: StoreProfile): ChunkResult | DiffResult | EncodeResult | DecodeResult {
  const keys = keysOf(profile);
  if (task.op === "chunk") {
    // Buffer views over shared memory: node:crypto and zlib take a slow path for plain
    // SharedArrayBuffer-backed Uint8Arrays
    const buf = Buffer.from(task.slot, 0, task.length);
    const { cuts, next } = chunkRegion(buf, task.base, task.from, task.final, profile.chunking);
    const out: ChunkResult = {
      cuts: cuts.map((c) => [c.off, c.len, c.zero ? "" : chunkId(buf.subarray(c.off - task.base, c.off - task.base + c.len), keys, profile.idHash)]),
      next,
    };
    return out;
  }
  if (task.op === "diff") {
    const changed: DiffResult["changed"] = [];
    for (const [off, len, id] of task.extents) {
      const view = Buffer.from(task.slot, off - task.base, len);
      if (id === "" ? !isAllZero(view) : chunkId(view, keys, profile.idHash) !== id) changed.push([off, len]);
    }
    return { changed };
  }
  if (task.op === "encode") {
    const frames = task.pieces.map(([off, len, id]) => {
      const plain = Buffer.from(task.slot, off - task.base, len);
      const { header, payload } = encodeChunkParts(plain, id, keys, profile.zstdLevel, profile.idHash);
      if (payload !== plain) plain.set(payload); // payload.length <= len; the plaintext is no longer needed
      return { header, payloadLen: payload.length };
    });
    const out: EncodeResult = { frames };
    return out;
  }
  const errors = task.items.map(({ off, len, id, out, plainLen }) => {
    try {
      const src = Buffer.from(task.slot, off, len);
      const into = task.verifyOnly ? verifyScratch(framePlainLength(src)) : Buffer.from(task.slot, out, plainLen);
      const plain = decodeChunk(src, id, keys, into);
      return task.verifyOnly || plain.length === plainLen ? null : `length ${plain.length} differs from the manifest's ${plainLen}`;
    } catch (err) {
      return (err as Error).message;
    }
  });
  return { errors };
}

parentPort?.on("message", (msg: WorkerMessage) => {
  try {
    parentPort?.postMessage({ seq: msg.seq, result: run(msg.task, msg.profile) });
  } catch (err) {
    parentPort?.postMessage({ seq: msg.seq, error: (err as Error).stack ?? String(err) });
  }
});
