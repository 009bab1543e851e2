// Canonical chunking of a disk image. Invariants (they make changed-range incrementals exact):
// - every multiple of SEGMENT is a cut (segments are the unit of parallel work);
// - a run of >= ZERO_RUN_BLOCKS all-zero 4 KiB-aligned blocks is a zero extent (no chunk);
// - the next cut after a cut q depends only on the bytes in [q, cut + LOOKAHEAD), so chunking can
//   restart at any earlier cut and, once it lands on a cut the parent also had past the changed
//   bytes, the rest of the parent's chunking is reused unchanged.
import { cdcCut } from "./chunker-cdc.ts";

export type ChunkingParams =
  | { kind: "cdc"; minSize: number; avgBits: number; maxSize: number }
  | { kind: "fixed"; size: number };

export const BLOCK = 4096;
export const ZERO_RUN_BLOCKS = 16;
export const SEGMENT = 16 << 20;
export const LOOKAHEAD = (ZERO_RUN_BLOCKS + 1) * BLOCK;

export const DEFAULT_CHUNKING: ChunkingParams = { kind: "cdc", minSize: 64 << 10, avgBits: 18, maxSize: 1 << 20 };

export interface Cut {
  off: number; // absolute byte offset in the image
  len: number;
  zero: boolean;
}

const ZERO_BLOCK = Buffer.alloc(BLOCK);

/** True when every byte is zero (word scan, stops at the first non-zero word). */
export function isAllZero(buf: Uint8Array): boolean {
  const head = buf.byteOffset % 4 === 0 ? buf.byteLength >>> 2 : 0;
  const words = new Int32Array(buf.buffer, buf.byteOffset, head);
  for (let w = 0; w < head; w++) if (words[w] !== 0) return false;
  for (let i = head * 4; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/** runLen[b] = number of consecutive all-zero blocks starting at block b (within buf). */
function zeroRuns(buf: Uint8Array): Uint32Array {
  const n = Math.ceil(buf.length / BLOCK);
  const run = new Uint32Array(n + 1);
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  // whole blocks: an int32 scan that stops at the first non-zero word (data blocks cost ~1 load)
  const words = buf.byteOffset % 4 === 0 ? new Int32Array(buf.buffer, buf.byteOffset, buf.byteLength >>> 2) : null;
  for (let b = n - 1; b >= 0; b--) {
    const s = b * BLOCK;
    const e = Math.min(buf.length, s + BLOCK);
    let zero: boolean;
    if (words && e - s === BLOCK) {
      zero = true;
      for (let w = s >>> 2, end = e >>> 2; w < end; w++) {
        if (words[w] !== 0) {
          zero = false;
          break;
        }
      }
    } else {
      zero = view.subarray(s, e).equals(ZERO_BLOCK.subarray(0, e - s));
    }
    run[b] = zero ? (run[b + 1] as number) + 1 : 0;
  }
  return run;
}

/**
 * Chunks buf (image bytes [base, base + buf.length), base 4 KiB-aligned) starting at the cut
 * `from`. When `final` is false the buffer end is not a cut, so only cuts whose lookahead fits
 * are returned; `next` is where to resume. `stopAfter` ends the scan early after a cut it accepts.
 */
export function chunkRegion(buf: Uint8Array, base: number, from: number, final: boolean, p: ChunkingParams, stopAfter?: (cutEnd: number) => boolean): { cuts: Cut[]; next: number } {
  if (base % BLOCK !== 0) throw new Error("chunkRegion: base must be block-aligned");
  const run = zeroRuns(buf);
  const end = base + buf.length;
  const cuts: Cut[] = [];
  let q = from;
  while (q < end) {
    const rel = q - base;
    let c: number;
    let zero = false;
    if (rel % BLOCK === 0 && (run[rel / BLOCK] as number) >= ZERO_RUN_BLOCKS) {
      zero = true;
      c = Math.min(end, q + (run[rel / BLOCK] as number) * BLOCK);
    } else {
      let limit = p.kind === "cdc" ? Math.min(end, q + p.maxSize) : Math.min(end, (Math.floor(q / p.size) + 1) * p.size);
      for (let b = Math.ceil(rel / BLOCK); base + b * BLOCK < limit; b++) {
        if ((run[b] as number) >= ZERO_RUN_BLOCKS) {
          limit = base + b * BLOCK;
          break;
        }
      }
      c = p.kind === "cdc" ? base + cdcCut(buf, rel, limit - base, p.minSize, p.avgBits) : limit;
    }
    if (!final && c + LOOKAHEAD > end) break;
    cuts.push({ off: q, len: c - q, zero });
    q = c;
    if (stopAfter?.(c)) break;
  }
  return { cuts, next: q };
}
