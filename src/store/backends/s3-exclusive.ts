// putExclusive on S3 without conditional writes. RGW 16 ignores `If-None-Match: *` in versioned
// and Object Lock buckets (every racing writer wins) and on CompleteMultipartUpload everywhere,
// and a store may live in such a bucket, so creation is coordinated by claims instead:
//   1. the key exists -> false;
//   2. write a claim object `<key>.claim-<time>-<random>` (unique: no writer overwrites another's);
//   3. after a settle delay, list `<key>.claim-`: another claim younger than CLAIM_TTL_MS ->
//      withdraw (delete ours) and retry after a random backoff, or give up (false);
//   4. alone: the key still absent -> PUT it -> true; in every case delete our claim.
// Two writers can never both pass 3: whichever listed first had written its claim before, so the
// later list sees it (S3 and RGW list strongly after a write; the settle delay covers stores that
// list a little late). A writer that passes 3 after the winner withdrew its claim finds the key
// in 4. Needs the clocks of writers and object store to agree to well within CLAIM_TTL_MS (a
// claim older than that is a crashed writer's and is ignored, then swept by GC).
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { BlobInfo } from "../backend.ts";

const CLAIM_MARK = ".claim-";
/** A claim lives for one HEAD, one list and one PUT; an older one was left by a crashed writer. */
export const CLAIM_TTL_MS = 30_000;
const ATTEMPTS = 6;
const EMPTY = new Uint8Array(0);

export function isClaimKey(key: string): boolean {
  return key.includes(CLAIM_MARK);
}

/** What the claim protocol needs of the backend. */
export interface ClaimStore {
  has(key: string): Promise<boolean>;
  put(key: string, data: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  listRaw(prefix: string): Promise<BlobInfo[]>;
}

export async function putExclusiveByClaims(s: ClaimStore, key: string, data: Uint8Array, settleMs: number): Promise<boolean> {
  const prefix = `${key}${CLAIM_MARK}`;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await s.has(key)) return false;
    const mine = `${prefix}${Date.now()}-${randomBytes(8).toString("hex")}`;
    await s.put(mine, EMPTY);
    try {
      if (settleMs > 0) await sleep(settleMs);
      const now = Date.now();
      const rivals = (await s.listRaw(prefix)).filter((c) => c.key !== mine && now - c.mtimeMs < CLAIM_TTL_MS);
      if (rivals.length === 0) {
        if (await s.has(key)) return false;
        await s.put(key, data);
        return true;
      }
    } finally {
      await s.delete(mine);
    }
    // every contender withdrew: retry at random moments so that one of them is alone next time
    await sleep((20 + Math.random() * 80) * (attempt + 1));
  }
  return false; // contended throughout: someone else is taking it
}

/** Deletes claims older than CLAIM_TTL_MS under prefix (writers that crashed mid-way); returns how many. */
export async function sweepStaleClaims(s: ClaimStore, prefix: string): Promise<number> {
  const now = Date.now();
  const stale = (await s.listRaw(prefix)).filter((c) => isClaimKey(c.key) && now - c.mtimeMs >= CLAIM_TTL_MS);
  for (const c of stale) await s.delete(c.key);
  return stale.length;
}
