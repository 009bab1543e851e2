// Collects encoded chunk frames into packs (see pack-index.ts). Each frame goes into the open
// pack file as soon as it arrives: one writev from the caller's memory (a worker slot) straight
// into the page cache, so no user-space copy into a pack buffer (that copy was ~0.3 s of main
// thread CPU per 800 MB of new data) and no pack buffers to keep. At PACK_TARGET the pack is
// sealed: its trailer written, the file committed (fsynced, renamed), then its index put (and,
// for a backup that verifies as it writes, the pack re-read: written-pack-check.ts).
// One write per pack is in flight at a time; frames arriving meanwhile go out together in the
// next one (they are contiguous). Separate writes to one file from several I/O threads spun on
// the file's lock in the kernel and cost a system call per frame.
import type { BlobBackend, BlobWriter } from "./backend.ts";
import { allSettledOrThrow } from "./concurrency.ts";
import type { StoreKeys } from "./crypto.ts";
import type { PackEntry } from "./pack-index.ts";
import type { IndexDiskCache } from "./index-disk-cache.ts";
import { encodeIndex, indexKey, newPackId, PACK_TARGET, packKey, packTrailer } from "./pack-index.ts";

/**
 * Packs being sealed at once: more would only queue fsyncs (and dirty pages) behind the disk.
 * Two held back a changed-range incremental whose first windows (the largest, see
 * forEachSegment) filled three packs within ~50 ms: both workers sat idle ~20 ms on the seals.
 */
const MAX_SEALING = 4;

/**
 * Packs whose afterCommit may still run before a seal waits for one (a backup's verify-as-written
 * keeps them cached until checked: 128 MiB). A seal that waited for its own pack's check held the
 * backup's writes: a 2 GiB first backup's tier took 2.81-2.95 s, 2.66-2.83 s without the wait.
 */
const MAX_AFTER_COMMIT = 16;

type AfterCommit = (pack: string, entries: readonly PackEntry[]) => Promise<void>;

interface OpenPack {
  id: string;
  writer: Promise<BlobWriter>;
  size: number;
  entries: PackEntry[];
  writes: Array<Promise<void>>;
  writing: boolean;
  /** frames waiting for the write in flight, from offset `from` on */
  next: { parts: Uint8Array[]; from: number; done: PromiseWithResolvers<void> } | null;
}

export class PackWriter {
  readonly #backend: BlobBackend;
  readonly #keys: StoreKeys | null;
  readonly #sealing = new Set<Promise<void>>();
  readonly #afterCommit: AfterCommit | undefined;
  /** afterCommit calls still running */
  readonly #after = new Set<Promise<void>>();
  #cur: OpenPack | null = null;
  #failed: Error | null = null;

  /** local copies of a remote store's index blobs: the blobs written here go there too */
  readonly #disk: IndexDiskCache | null;

  /** afterCommit: run on each pack once it is durable (finish() waits for it); must not reject. */
  constructor(backend: BlobBackend, keys: StoreKeys | null, opts: { afterCommit?: AfterCommit; disk?: IndexDiskCache | null } = {}) {
    this.#backend = backend;
    this.#keys = keys;
    this.#afterCommit = opts.afterCommit;
    this.#disk = opts.disk ?? null;
  }

  /** Appends one chunk frame (given in parts); resolves with its stored length once written. */
  async add(id: string, parts: readonly Uint8Array[], plainLen: number): Promise<number> {
    // no await between taking the open pack and reserving room in it: another add() could seal it
    while (!this.#cur) {
      if (this.#failed) throw this.#failed;
      if (this.#sealing.size < MAX_SEALING) this.#open();
      else await Promise.race(this.#sealing);
    }
    const cur = this.#cur;
    const len = parts.reduce((n, p) => n + p.length, 0);
    const off = cur.size;
    cur.entries.push({ id, off, len, plainLen });
    cur.size += len;
    const write = this.#write(cur, parts, off);
    cur.writes.push(write);
    if (cur.size >= PACK_TARGET) this.#seal();
    await write; // the caller's memory is free again once its bytes are in the file
    return len;
  }

  /** Seals the open pack and waits until every pack and index is written (durable after backend.flush()). */
  async finish(): Promise<void> {
    this.#seal();
    while (this.#sealing.size > 0) await Promise.allSettled([...this.#sealing]);
    await Promise.allSettled([...this.#after]);
    if (this.#failed) throw this.#failed;
  }

  /**
   * After a failure or cancellation: discards the open pack (its temporary file) and waits for
   * packs being sealed, which become garbage for GC. Never rejects.
   */
  async abandon(): Promise<void> {
    const p = this.#cur;
    this.#cur = null;
    this.#failed ??= new Error("pack writer abandoned");
    if (p) {
      await Promise.allSettled(p.writes);
      await p.writer.then((w) => w.abort()).catch(() => {});
    }
    while (this.#sealing.size > 0) await Promise.allSettled([...this.#sealing]);
    await Promise.allSettled([...this.#after]);
  }

  /** Writes parts at off now, or with the frames queued behind the write in flight. */
  #write(p: OpenPack, parts: readonly Uint8Array[], off: number): Promise<void> {
    if (p.next) {
      p.next.parts.push(...parts);
      return p.next.done.promise;
    }
    if (p.writing) {
      p.next = { parts: [...parts], from: off, done: Promise.withResolvers<void>() };
      return p.next.done.promise;
    }
    p.writing = true;
    const w = p.writer.then((bw) => bw.write(parts, off));
    w.finally(() => this.#writeNext(p)).catch(() => {}); // failures reach the callers through w
    return w;
  }

  #writeNext(p: OpenPack): void {
    p.writing = false;
    const b = p.next;
    if (!b) return;
    p.next = null;
    b.done.resolve(this.#write(p, b.parts, b.from));
  }

  #open(): void {
    const id = newPackId();
    const writer = this.#backend.create(packKey(id), this.#afterCommit ? { keepCached: true } : {});
    this.#cur = { id, writer, size: 0, entries: [], writes: [], writing: false, next: null };
    this.#cur.writer.catch(() => {}); // a failed create is reported by the writes and the seal
  }

  #seal(): void {
    const p = this.#cur;
    this.#cur = null;
    if (!p) return;
    const job = (async () => {
      let w: BlobWriter | null = null;
      try {
        w = await p.writer;
        // every frame written (settled, so no write is still running if the pack is dropped)
        await allSettledOrThrow(p.writes);
        const index = encodeIndex(p.entries, this.#keys);
        await w.write([packTrailer(index)], p.size);
        // the pack first: its index may only appear once the bytes it names are durable
        await w.commit();
        w = null;
        const after = this.#afterCommit?.(p.id, p.entries);
        if (after) {
          this.#after.add(after);
          after.finally(() => this.#after.delete(after)).catch(() => {});
        }
        await this.#backend.put(indexKey(p.id), index);
        await this.#disk?.write(indexKey(p.id), index);
        // bounded: each pack waiting for afterCommit may hold its pages in the cache
        while (this.#after.size > MAX_AFTER_COMMIT) await Promise.race(this.#after);
      } catch (err) {
        this.#failed ??= err as Error;
        await w?.abort();
      }
    })();
    this.#sealing.add(job);
    job.then(() => this.#sealing.delete(job));
  }
}
