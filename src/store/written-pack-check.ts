// Verify-after-write of a backup's own packs, each as soon as it is durable instead of all of
// them after the backup: the pack is re-read from the backend and every chunk in it re-hashed in
// the workers while the backup goes on. The backend keeps such a pack in its page cache until the
// check has read it (BlobBackend.create's keepCached, then uncache()): re-reading 850 MB of a
// 2 GiB first backup from the device took 0.7 s after the backup, from the cache 0.5 s, and the
// check now shares the cores with the backup instead of following it. The verification after the
// backup only looks these chunks up (run-verify.ts). A chunk that fails here is just not counted:
// that verification re-reads it and reports it with the image bytes it holds.
import { nativeAddon } from "../platform/native.ts";
import type { BlobBackend } from "./backend.ts";
import { Semaphore } from "./concurrency.ts";
import { checkWindow, readWindows } from "./pack-check.ts";
import type { PackEntry } from "./pack-index.ts";
import { packKey } from "./pack-index.ts";
import type { WorkerPool } from "./worker-pool.ts";

/** Packs checked at once, each in a buffer of its own (not the pool's slots, which the backup's reads hold). */
const IN_FLIGHT = 2;

export class WrittenPackCheck {
  /** chunk id -> stored bytes, for every chunk re-read intact from its durable pack */
  readonly verified = new Map<string, number>();
  readonly #backend: BlobBackend;
  readonly #pool: WorkerPool;
  readonly #signal: AbortSignal | undefined;
  readonly #turns = new Semaphore(IN_FLIGHT);
  readonly #buffers: SharedArrayBuffer[] = [];

  constructor(backend: BlobBackend, pool: WorkerPool, signal?: AbortSignal) {
    this.#backend = backend;
    this.#pool = pool;
    this.#signal = signal;
  }

  /** Re-reads a pack that is durable and re-hashes its chunks. Never rejects; releases the pack's cached pages. */
  async check(pack: string, entries: readonly PackEntry[]): Promise<void> {
    await this.#turns.acquire();
    const buffer = this.#buffers.pop() ?? this.#newBuffer();
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
      this.#buffers.push(buffer);
      this.#turns.release();
      await this.#backend.uncache?.(packKey(pack));
    }
  }

  #newBuffer(): SharedArrayBuffer {
    const b = new SharedArrayBuffer(this.#pool.slotSize);
    nativeAddon()?.adviseHugePages(new Uint8Array(b)); // as the pool's slots: first touch costs half
    return b;
  }
}
