// Worker thread: chunking + hashing, encoding (zstd, AES-GCM) and verified decoding. Pure CPU;
// all I/O stays on the main thread behind the BlobBackend.
import { isMarkedAsUntransferable, parentPort, workerData } from "node:worker_threads";
import { chunkRegion, isAllZero } from "./chunker.ts";
import { chunkId, decodeChunk, encodeChunkParts } from "./chunk-codec.ts";
import type { StoreKeys } from "./crypto.ts";
import type { ChunkResult, DecodeResult, DiffResult, EncodeResult, WorkerInit, WorkerTask } from "./worker-protocol.ts";

const init = workerData as WorkerInit;
const keys: StoreKeys | null = init.encKey && init.idKey ? { encKey: Buffer.from(init.encKey), idKey: Buffer.from(init.idKey) } : null;

/** Buffers from Node's shared allocation pool cannot be transferred (nor should be): copy those. */
function transferable(u8: Uint8Array): Uint8Array {
  return isMarkedAsUntransferable(u8.buffer) ? new Uint8Array(u8) : u8;
}

function run(task: WorkerTask): { result: unknown; transfer: ArrayBuffer[] } {
  if (task.op === "chunk") {
    // Buffer views over shared memory: node:crypto and zlib take a slow path for plain
    // SharedArrayBuffer-backed Uint8Arrays
    const buf = Buffer.from(task.slot, 0, task.length);
    const { cuts, next } = chunkRegion(buf, task.base, task.from, task.final, init.chunking);
    const out: ChunkResult = {
      cuts: cuts.map((c) => [c.off, c.len, c.zero ? "" : chunkId(buf.subarray(c.off - task.base, c.off - task.base + c.len), keys)]),
      next,
    };
    return { result: out, transfer: [] };
  }
  if (task.op === "diff") {
    const changed: DiffResult["changed"] = [];
    for (const [off, len, id] of task.extents) {
      const view = Buffer.from(task.slot, off - task.base, len);
      if (id === "" ? !isAllZero(view) : chunkId(view, keys) !== id) changed.push([off, len]);
    }
    return { result: { changed }, transfer: [] };
  }
  if (task.op === "encode") {
    const frames = task.pieces.map(([off, len, id]) => {
      const plain = Buffer.from(task.slot, off - task.base, len);
      const { header, payload } = encodeChunkParts(plain, id, keys, init.zstdLevel);
      if (payload !== plain) plain.set(payload); // payload.length <= len; the plaintext is no longer needed
      return { header, payloadLen: payload.length };
    });
    const out: EncodeResult = { frames };
    return { result: out, transfer: [] };
  }
  const transfer: ArrayBuffer[] = [];
  const plains: DecodeResult["plains"] = [];
  const errors = task.items.map(({ blob, off, len, id }) => {
    try {
      const src = blob ?? Buffer.from(task.slot as SharedArrayBuffer, off, len);
      let plain: Uint8Array = decodeChunk(src, id, keys);
      if (!task.verifyOnly) {
        if (task.slot && plain.buffer === task.slot) {
          plains.push(plain.byteOffset); // stored raw: the plaintext is already in the slot
          return null;
        }
        plain = transferable(plain);
        if (!transfer.includes(plain.buffer as ArrayBuffer)) transfer.push(plain.buffer as ArrayBuffer);
        plains.push(plain);
      }
      return null;
    } catch (err) {
      plains.push(null);
      return (err as Error).message;
    }
  });
  const out: DecodeResult = { errors, plains: task.verifyOnly ? [] : plains };
  return { result: out, transfer };
}

parentPort?.on("message", (msg: { seq: number; task: WorkerTask }) => {
  try {
    const { result, transfer } = run(msg.task);
    parentPort?.postMessage({ seq: msg.seq, result }, transfer);
  } catch (err) {
    parentPort?.postMessage({ seq: msg.seq, error: (err as Error).stack ?? String(err) });
  }
});
