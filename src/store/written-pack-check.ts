// Verify-after-write of a backup's own packs, each as soon as it is durable instead of all of
// them after the backup: the pack is re-read from the backend and every chunk in it re-hashed in
// the workers while the backup goes on. The backend keeps such a pack in its page cache until the
// check has read it (BlobBackend.create's keepCached, then uncache()). A 2 GiB first backup wrote
// 850 MB: verifying it after the backup took 0.7 s, re-reading from the device; checked as it is
// written the tier is ~0.25 s shorter (both cores were already busy: the check mostly competes
// with the backup for them, but no longer waits for the device). The verification after the
// backup only looks these chunks up (run-verify.ts). A chunk that fails here is just not counted:
// that verification re-reads it and reports it with the image bytes it holds.
import { longLivedSharedBuffer } from "../platform/long-lived-buffer.ts";
import type { BlobBackend } from "./backend.ts";
import { MAX_CHUNK } from "./chunker.ts";
import { Semaphore } from "./concurrency.ts";
import { checkWindow, readWindows } from "./pack-check.ts";
import type { PackEntry } from "./pack-index.ts";
import { PACK_TARGET, packKey } from "./pack-index.ts";
import type { WorkerPool } from "./worker-pool.ts";

/**
 * Packs checked at once, each in a buffer of its own (not the pool's slots, which the backup's
 * reads hold). A 2 GiB first backup's tier, three runs each: 2.75-2.91 s with two, 2.67-2.79 s
 * with four (the decodes queue behind the backup's own tasks), 2.99-3.15 s verifying after.
 */
const IN_FLIGHT = 4;
/** Most packs in one read; a longer one is read in windows, and one frame (MAX_CHUNK and a header) always fits. */
const BUFFER = PACK_TARGET + MAX_CHUNK / 4;

/**
 * Buffers kept for the next backup (at most IN_FLIGHT): fresh memory costs its first touch again
 * (clearing a new huge page costs ~2 ms of CPU here: 0.04 s for these per backup).
 */
const spare: SharedArrayBuffer[] = [];

export class WrittenPackCheck {
  /** chunk id -> stored bytes, for every chunk re-read intact from its durable pack */
  readonly verified = new Map<string, number>();
  readonly #backend: BlobBackend;
  readonly #pool: WorkerPool;
  readonly #signal: AbortSignal | undefined;
  readonly #turns = new Semaphore(IN_FLIGHT);

  constructor(backend: BlobBackend, pool: WorkerPool, signal?: AbortSignal) {
    this.#backend = backend;
    this.#pool = pool;
    this.#signal = signal;
  }

  /** Re-reads a pack that is durable and re-hashes its chunks. Never rejects; releases the pack's cached pages. */
  async check(pack: string, entries: readonly PackEntry[]): Promise<void> {
    await this.#turns.acquire();
    const buffer = spare.pop() ?? longLivedSharedBuffer(BUFFER);
    try {
      for (const window of readWindows(entries.map((e) => ({ id: e.id, loc: e })), buffer.byteLength)) {
        if (this.#signal?.aborted) return;
        const errors = await checkWindow(this.#backend, this.#pool, pack, window, buffer);
        window.forEach((c, i) => {
          if (errors[i] === null) this.verified.set(c.id, c.loc.len);
        });
      }
    } catch {
      // unreadable now: not verified, so the verification after the backup re-reads and reports it
    } finally {
      if (spare.length < IN_FLIGHT) spare.push(buffer);
      this.#turns.release();
      await this.#backend.uncache?.(packKey(pack));
    }
  }
}
