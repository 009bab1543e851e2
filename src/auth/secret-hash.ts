// Client secrets are stored only as scrypt hashes; verification is constant-time.
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;
// N=2^14 costs ~30 ms: slow enough to hurt guessing, cheap for a token request every two hours.
const N = 16384;
const R = 8;
const P = 1;

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, 32, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString("base64url")}$${hash.toString("base64url")}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split("$");
  if (kind !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const actual = await scrypt(secret, Buffer.from(salt, "base64url"), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(actual, expected);
}

// A stored hash of the same cost as real ones: checking a secret of an unknown client id against
// it takes as long as checking a wrong secret of a known one (no existence oracle by timing).
const DUMMY = `scrypt$${N}$${R}$${P}$${randomBytes(16).toString("base64url")}$${randomBytes(32).toString("base64url")}`;

/** Spends the work of one verification and returns false. */
export async function verifyAgainstDummy(secret: string): Promise<false> {
  await verifySecret(secret, DUMMY);
  return false;
}

/** A random secret with 256 bits of entropy, URL-safe. */
export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}
