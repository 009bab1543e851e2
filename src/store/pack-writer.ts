// Collects encoded chunk frames into packs (see pack-index.ts) and writes each sealed pack with
// one durable put, then its index. Frames are copied into one of two reusable buffers, so the
// caller's slot is free as soon as add() returns and one pack fills while the other is written.
import type { BlobBackend } from "./backend.ts";
import type { StoreKeys } from "./crypto.ts";
import type { PackEntry } from "./pack-index.ts";
import { encodeIndex, indexKey, newPackId, PACK_TARGET, packKey, packTrailer } from "./pack-index.ts";

/** Room for the target plus the largest frame that may cross it (1 MiB chunk + header). */
const CAPACITY = PACK_TARGET + (2 << 20);
const BUFFERS = 2;

interface OpenPack {
  id: string;
  buf: Buffer;
  size: number;
  entries: PackEntry[];
}

export class PackWriter {
  readonly #backend: BlobBackend;
  readonly #keys: StoreKeys | null;
  readonly #free: Buffer[] = [];
  readonly #sealing = new Set<Promise<void>>();
  #allocated = 0;
  #cur: OpenPack | null = null;
  #failed: Error | null = null;

  constructor(backend: BlobBackend, keys: StoreKeys | null) {
    this.#backend = backend;
    this.#keys = keys;
  }

  /** Appends one chunk frame (given in parts); returns its stored length. */
  async add(id: string, parts: readonly Uint8Array[], plainLen: number): Promise<number> {
    // no await between taking the open pack and appending to it: another add() could seal it
    while (!this.#cur) {
      if (this.#failed) throw this.#failed;
      if (!this.#open()) await Promise.race(this.#sealing); // both buffers are being written
    }
    const cur = this.#cur;
    let len = 0;
    for (const p of parts) {
      cur.buf.set(p, cur.size + len);
      len += p.length;
    }
    cur.entries.push({ id, off: cur.size, len, plainLen });
    cur.size += len;
    if (cur.size >= PACK_TARGET) this.#seal();
    return len;
  }

  /** Seals the open pack and waits until every pack and index is written (durable after backend.flush()). */
  async finish(): Promise<void> {
    this.#seal();
    while (this.#sealing.size > 0) await Promise.allSettled([...this.#sealing]);
    if (this.#failed) throw this.#failed;
  }

  /** Opens a pack in a free buffer; false when none is free. */
  #open(): boolean {
    let buf = this.#free.pop();
    if (!buf && this.#allocated < BUFFERS) {
      this.#allocated++;
      buf = Buffer.allocUnsafe(CAPACITY);
    }
    if (!buf) return false;
    this.#cur = { id: newPackId(), buf, size: 0, entries: [] };
    return true;
  }

  #seal(): void {
    const p = this.#cur;
    this.#cur = null;
    if (!p || p.entries.length === 0) {
      if (p) this.#free.push(p.buf);
      return;
    }
    const job = (async () => {
      try {
        const index = encodeIndex(p.entries, this.#keys);
        // the pack first: its index may only appear once the bytes it names are durable
        await this.#backend.put(packKey(p.id), [p.buf.subarray(0, p.size), packTrailer(index)]);
        await this.#backend.put(indexKey(p.id), index);
      } catch (err) {
        this.#failed ??= err as Error;
      } finally {
        this.#free.push(p.buf);
      }
    })();
    this.#sealing.add(job);
    job.then(() => this.#sealing.delete(job));
  }
}
