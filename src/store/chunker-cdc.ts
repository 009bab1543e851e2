// Content-defined cut search: a Gear rolling hash with FastCDC-style normalisation (a stricter
// mask before the average size, a looser one after), skipping the first minSize bytes of each
// chunk. The gear table comes from a fixed seed: it is part of the on-disk format, since
// changing it changes every cut and therefore every chunk id.

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

/**
 * First cut in buf[start, limit): the position after the first byte at or past start+minSize
 * whose hash matches, or limit when none does. Chunk size averages about 2^avgBits.
 */
export function cdcCut(buf: Uint8Array, start: number, limit: number, minSize: number, avgBits: number): number {
  const maskStrict = (2 ** (avgBits + 2) - 1) >>> 0;
  const maskLoose = (2 ** (avgBits - 2) - 1) >>> 0;
  let i = start + minSize;
  if (i >= limit) return limit;
  const mid = Math.min(limit, start + 2 ** avgBits);
  const gear = GEAR;
  let h = 0;
  for (; i < mid; i++) {
    h = ((h << 1) + (gear[buf[i] as number] as number)) | 0;
    if ((h & maskStrict) === 0) return i + 1;
  }
  for (; i < limit; i++) {
    h = ((h << 1) + (gear[buf[i] as number] as number)) | 0;
    if ((h & maskLoose) === 0) return i + 1;
  }
  return limit;
}
