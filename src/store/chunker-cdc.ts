// Content-defined cut search: a Gear rolling hash with FastCDC-style normalisation (a stricter
// mask before the average size, a looser one after), skipping the first minSize bytes of each
// chunk. The gear table comes from a fixed seed: it is part of the on-disk format, since
// changing it changes every cut and therefore every chunk id.
// native/obr-native.c has the same search in C (built by npm install where a C compiler is
// there): 3.8 GB/s against 2.0 GB/s here on the bench image. This JS version is the fallback and
// the reference the tests hold the C one to.
import { nativeAddon } from "../platform/native.ts";

function makeGear(): Uint32Array {
  const t = new Uint32Array(256);
  let a = 0x6f627221; // splitmix32 from the constant "obr!"
  for (let i = 0; i < 256; i++) {
    a = (a + 0x9e3779b9) | 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    t[i] = (z ^ (z >>> 16)) >>> 0;
  }
  return t;
}

const GEAR = makeGear();
/** GEAR shifted left by one: lets the scan take two bytes per step (FastCDC's "rolling two bytes"). */
const GEAR_LS = GEAR.map((g) => (g << 1) >>> 0);

/**
 * First cut in buf[start, limit): the position after the first byte at or past start+minSize
 * whose hash matches, or limit when none does. Chunk size averages about 2^avgBits.
 * Two bytes per step: after an even byte the hash is kept shifted one bit left, so it is tested
 * with the mask shifted too; the cuts are exactly those of the one-byte recurrence
 * h = (h << 1) + GEAR[b], at about twice the speed.
 */
export function cdcCutJs(buf: Uint8Array, start: number, limit: number, minSize: number, avgBits: number): number {
  const maskStrict = (2 ** (avgBits + 2) - 1) >>> 0;
  const maskLoose = (2 ** (avgBits - 2) - 1) >>> 0;
  let i = start + minSize;
  if (i >= limit) return limit;
  const mid = Math.min(limit, start + 2 ** avgBits);
  const h = scan(buf, i, mid, maskStrict, 0);
  if (h.cut >= 0) return h.cut;
  i = mid;
  const l = scan(buf, i, limit, maskLoose, h.hash);
  return l.cut >= 0 ? l.cut : limit;
}

const result = { cut: -1, hash: 0 };

/** Gear scan of buf[i, end) from hash h; result.cut = position after the matching byte, or -1. */
function scan(buf: Uint8Array, i: number, end: number, mask: number, h: number): typeof result {
  const gear = GEAR;
  const gearLs = GEAR_LS;
  const maskLs = (mask << 1) | 0;
  for (; i + 1 < end; i += 2) {
    h = ((h << 2) + (gearLs[buf[i] as number] as number)) | 0;
    if ((h & maskLs) === 0) {
      result.cut = i + 1;
      return result;
    }
    h = (h + (gear[buf[i + 1] as number] as number)) | 0;
    if ((h & mask) === 0) {
      result.cut = i + 2;
      return result;
    }
  }
  if (i < end) {
    h = ((h << 1) + (gear[buf[i] as number] as number)) | 0;
    if ((h & mask) === 0) {
      result.cut = i + 1;
      return result;
    }
  }
  result.cut = -1;
  result.hash = h;
  return result;
}

type CutFn = typeof cdcCutJs;

/** The C search, or null (addon not built, or OBR_JS_CHUNKER=1). */
export function cdcCutNative(): CutFn | null {
  const addon = nativeAddon();
  return addon && process.env.OBR_JS_CHUNKER !== "1" ? addon.cdcCut : null;
}

/** Chosen on the first cut, not at import (no addon load or environment read at import time). */
let chosen: CutFn | undefined;

/**
 * First cut in buf[start, limit): the position after the first byte at or past start+minSize
 * whose hash matches, or limit when none does (the C search when built, else cdcCutJs).
 */
export function cdcCut(buf: Uint8Array, start: number, limit: number, minSize: number, avgBits: number): number {
  chosen ??= cdcCutNative() ?? cdcCutJs;
  return chosen(buf, start, limit, minSize, avgBits);
}
