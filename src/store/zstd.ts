// zstd with contexts and output memory kept for the life of the thread. node:zlib's one-shot
// calls build a new context (megabytes of fresh workspace) and a fresh output buffer per call;
// on these VMs every fresh page faults (~5 µs), which held compression of 256 KiB chunks to
// ~0.5 GB/s. Reused, the same library code runs at ~2 GB/s. Each worker thread gets its own
// instance (module state is per thread), so nothing here is shared between threads. The binding
// is a native addon: it is loaded on first use, not when the store is imported.
import { createRequire } from "node:module";
import type * as ZstdBinding from "zstd-napi/binding.js";

let binding: typeof ZstdBinding | undefined;
function zstd(): typeof ZstdBinding {
  if (binding) return binding;
  const loaded: typeof ZstdBinding = createRequire(import.meta.url)("zstd-napi/binding.js");
  binding = loaded;
  return loaded;
}

let cctx: ZstdBinding.CCtx | null = null;
let dctx: ZstdBinding.DCtx | null = null;
let cLevel = Number.NaN;
let out = Buffer.alloc(0);

/** Output scratch of at least n bytes, grown (never shrunk) on demand. */
function scratch(n: number): Buffer {
  if (out.length < n) out = Buffer.alloc(Math.max(n, out.length * 2, 64 << 10));
  return out;
}

/**
 * Compresses src as one zstd frame. The result is a view into this thread's scratch memory:
 * use or copy it before the next compress() on the same thread.
 */
export function compress(src: Uint8Array, level: number): Uint8Array {
  const z = zstd();
  if (!cctx) cctx = new z.CCtx();
  if (level !== cLevel) {
    cctx.setParameter(z.CParameter.compressionLevel, level);
    cLevel = level;
  }
  const dst = scratch(z.compressBound(src.length));
  return dst.subarray(0, cctx.compress2(dst, src));
}

/** Decompresses one frame into dst (which must be large enough); returns the bytes written. */
export function decompressInto(src: Uint8Array, dst: Uint8Array): number {
  if (!dctx) dctx = new (zstd().DCtx)();
  return dctx.decompress(dst, src);
}
