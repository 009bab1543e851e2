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

/** Largest chunk: a restore batch holds a chunk's plaintext in half a worker slot (one segment). */
export const MAX_CHUNK = SEGMENT / 2;
const MIN_CHUNK = BLOCK;

/**
 * Why these parameters cannot chunk an image (field and problem), or null when they can. Every
 * source of parameters (config.json, create options, a worker task) goes through this: a
 * missing or zero maxSize once made zero-length chunks forever.
 */
export function chunkingProblem(p: ChunkingParams): { field: string; problem: string } | null {
  const within = (field: string, v: number, lo: number, hi: number) => (Number.isSafeInteger(v) && v >= lo && v <= hi ? null : { field, problem: `${v} is not an integer in [${lo}, ${hi}]` });
  if (p.kind === "fixed") {
    return within("size", p.size, MIN_CHUNK, MAX_CHUNK) ?? (p.size % BLOCK === 0 ? null : { field: "size", problem: `${p.size} is not a multiple of ${BLOCK}` });
  }
  if (p.kind !== "cdc") return { field: "kind", problem: `unknown chunking ${String((p as { kind: unknown }).kind)}` };
  const bad = within("minSize", p.minSize, MIN_CHUNK, MAX_CHUNK) ?? within("avgBits", p.avgBits, 12, 22) ?? within("maxSize", p.maxSize, 2 * MIN_CHUNK, MAX_CHUNK);
  if (bad) return bad;
  const avg = 2 ** p.avgBits;
  if (!(p.minSize < avg && avg < p.maxSize)) return { field: "avgBits", problem: `needs minSize < 2^avgBits < maxSize (${p.minSize} < ${avg} < ${p.maxSize})` };
  return null;
}

export interface Cut {
  off: number; // absolute byte offset in the image
  len: number;
  zero: boolean;
}

const ZERO_SPAN = Buffer.alloc(ZERO_RUN_BLOCKS * BLOCK);

/** True when every byte is zero (word scan, stops at the first non-zero word). */
export function isAllZero(buf: Uint8Array): boolean {
  const head = buf.byteOffset % 4 === 0 ? buf.byteLength >>> 2 : 0;
  const words = new Int32Array(buf.buffer, buf.byteOffset, head);
  for (let w = 0; w < head; w++) if (words[w] !== 0) return false;
  for (let i = head * 4; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * run[b] = the number of consecutive all-zero blocks from block b on (within buf) wherever that
 * is at least ZERO_RUN_BLOCKS; below that, any value under ZERO_RUN_BLOCKS (callers only ask
 * whether a zero extent starts at b, and how long it is). Any ZERO_RUN_BLOCKS consecutive blocks
 * include one whose index is a multiple of ZERO_RUN_BLOCKS, so only those blocks are probed, and
 * runs are measured outwards from the zero ones: data costs one probe per 64 KiB, not one per
 * 4 KiB block. Zero spans are confirmed 64 KiB at a time with memcmp.
 */
export function zeroRuns(buf: Uint8Array): Uint32Array {
  const n = Math.ceil(buf.length / BLOCK);
  const run = new Uint32Array(n + 1);
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const zeroBlock = (b: number) => {
    const s = b * BLOCK;
    return isAllZero(view.subarray(s, Math.min(buf.length, s + BLOCK)));
  };
  let covered = 0; // blocks below this are already measured
  for (let p = 0; p < n; p += ZERO_RUN_BLOCKS) {
    if (p < covered || !zeroBlock(p)) continue;
    let s = p;
    while (s > covered && zeroBlock(s - 1)) s--;
    let e = p + 1;
    while (e + ZERO_RUN_BLOCKS <= n && (e + ZERO_RUN_BLOCKS) * BLOCK <= buf.length && view.subarray(e * BLOCK, (e + ZERO_RUN_BLOCKS) * BLOCK).equals(ZERO_SPAN)) e += ZERO_RUN_BLOCKS;
    while (e < n && zeroBlock(e)) e++;
    if (e - s >= ZERO_RUN_BLOCKS) for (let b = s; b < e; b++) run[b] = e - b;
    covered = e;
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
  const bad = chunkingProblem(p);
  if (bad) throw new Error(`chunkRegion: bad chunking parameter ${bad.field}: ${bad.problem}`);
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
    if (!(c > q)) throw new Error(`chunkRegion: no progress at ${q}`); // never a zero-length chunk
    if (!final && c + LOOKAHEAD > end) break;
    cuts.push({ off: q, len: c - q, zero });
    q = c;
    if (stopAfter?.(c)) break;
  }
  return { cuts, next: q };
}
