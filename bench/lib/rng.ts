// Deterministic randomness for the benchmark workload: xoshiro128** for decisions (seeded from
// SHA-256 of seed/purpose), AES-256-CTR keystream for bulk incompressible bytes.
import { createCipheriv, createHash } from "node:crypto";

export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** uniform integer in [lo, hi] */
  int(lo: number, hi: number): number;
  /** log-uniform integer in [lo, hi] */
  logUniform(lo: number, hi: number): number;
  /** geometric with the given mean (>= 1) */
  geometric(mean: number): number;
}

export function makeRng(seed: string, purpose: string): Rng {
  const h = createHash("sha256").update(`${seed}\0${purpose}`).digest();
  const s = new Uint32Array([h.readUInt32LE(0) | 1, h.readUInt32LE(4), h.readUInt32LE(8), h.readUInt32LE(12)]);
  const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));
  const u32 = (): number => {
    const s0 = s[0] as number;
    const s1 = s[1] as number;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s[2] = (s[2] as number) ^ s0;
    s[3] = (s[3] as number) ^ s1;
    s[1] = s1 ^ (s[2] as number);
    s[0] = s0 ^ (s[3] as number);
    s[2] = (s[2] as number) ^ t;
    s[3] = rotl(s[3] as number, 11);
    return result;
  };
  const next = () => u32() / 4294967296;
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    logUniform: (lo, hi) => Math.round(Math.exp(Math.log(lo) + next() * (Math.log(hi) - Math.log(lo)))),
    geometric: (mean) => (mean <= 1 ? 1 : 1 + Math.floor(Math.log(1 - next()) / Math.log(1 - 1 / mean))),
  };
}

/** Fills buffers with an AES-256-CTR keystream unique to (seed, purpose, n). */
export function keystream(seed: string, purpose: string, n: number): (buf: Buffer) => void {
  const key = createHash("sha256").update(`${seed}\0${purpose}\0key`).digest();
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(n >>> 0, 0);
  const c = createCipheriv("aes-256-ctr", key, iv);
  return (buf) => {
    buf.fill(0);
    c.update(buf).copy(buf);
  };
}
