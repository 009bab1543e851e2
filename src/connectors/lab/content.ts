import { createCipheriv, createHash } from "node:crypto";

// Deterministic data for lab disks: a small seeded PRNG for decisions (where, how long) and fast
// byte generators for the three kinds of content real disks hold: zeros (left as holes),
// compressible (text-like, repetitive) and incompressible (random-looking, e.g. compressed media).

/** mulberry32: tiny seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [min, max]. */
export const randomInt = (rng: () => number, min: number, max: number): number =>
  min + Math.floor(rng() * (max - min + 1));

/** Incompressible bytes: a ChaCha20 keystream keyed by the seed (fast, unlike a JS PRNG). */
export function incompressibleBytes(seed: string, length: number): Buffer {
  const key = createHash("sha256").update(seed).digest();
  const cipher = createCipheriv("chacha20", key, Buffer.alloc(16));
  return cipher.update(Buffer.alloc(length));
}

const WORDS = [
  "INFO", "WARN", "DEBUG", "request", "served", "user", "session", "cache", "hit", "miss", "GET", "POST",
  "/api/v1/orders", "/healthz", "latency_ms", "status=200", "status=404", "backend", "pool", "retry",
];

/** Compressible bytes: log-like text lines built from a small vocabulary (compresses ~5-10x). */
export function compressibleBytes(seed: number, length: number): Buffer {
  const rng = seededRandom(seed);
  const out = Buffer.alloc(length);
  let at = 0;
  let line = 0;
  while (at < length) {
    const words = Array.from({ length: 6 }, () => WORDS[randomInt(rng, 0, WORDS.length - 1)]);
    const text = `2026-11-25T03:${String(line % 60).padStart(2, "0")}:00Z host-${line % 7} ${words.join(" ")} id=${randomInt(rng, 0, 999)}\n`;
    at += out.write(text, at);
    line++;
  }
  return out;
}

/** Half incompressible, half compressible content for a guest write of `length` bytes. */
export function mixedBytes(seed: number, length: number): Buffer {
  const half = Math.floor(length / 2 / 4096) * 4096;
  return Buffer.concat([incompressibleBytes(`mixed-${seed}`, half), compressibleBytes(seed, length - half)]);
}
