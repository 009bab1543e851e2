// Stores the chunks a backup produces: skips ids the store already has, writes each new id once
// even when several segments produce it at the same time, and registers every referenced id
// with the backup's GC session. New chunks go into packs (pack-writer.ts). The store's index may
// still be loading when the first chunks arrive: chunking needs no index, only the decision
// which chunks to write does, so the load overlaps the first reads and the workers' start.
import { allSettledOrThrow } from "./concurrency.ts";
import type { PackWriter } from "./pack-writer.ts";
import type { BackupSession } from "./session.ts";
import type { EncodeResult } from "./worker-protocol.ts";
import type { WorkerPool } from "./worker-pool.ts";

export class ChunkSink {
  readonly #writer: PackWriter;
  readonly #pool: WorkerPool;
  readonly #session: BackupSession;
  readonly #index: Promise<ReadonlyMap<string, { len: number }>>;
  #present: ReadonlyMap<string, { len: number }> | null = null;
  /** id -> stored size of the chunks this backup wrote */
  readonly #written = new Map<string, number>();
  readonly #writing = new Map<string, Promise<void>>();
  newChunks = 0;
  newStoredBytes = 0;

  /** index: the chunks present in the store (id -> location with stored length) */
  constructor(writer: PackWriter, pool: WorkerPool, session: BackupSession, index: Promise<ReadonlyMap<string, { len: number }>>) {
    this.#writer = writer;
    this.#pool = pool;
    this.#session = session;
    this.#index = index;
  }

  /** Stored size of a chunk the store had or this backup wrote (undefined for others). */
  async storedSizes(): Promise<(id: string) => number | undefined> {
    const present = await this.#index;
    return (id) => this.#written.get(id) ?? present.get(id)?.len;
  }

  #known(id: string): boolean {
    return this.#written.has(id) || (this.#present as ReadonlyMap<string, unknown>).has(id);
  }

  /** Stores the new chunks among cuts ([offset, length, id], "" = zero) whose bytes are in slot. */
  async store(slot: SharedArrayBuffer, base: number, cuts: ReadonlyArray<[number, number, string]>): Promise<void> {
    this.#session.add(cuts.map((c) => c[2]));
    this.#present ??= await this.#index;
    const mine: Array<[number, number, string]> = [];
    const waits: Promise<void>[] = [];
    const claimed = new Set<string>();
    for (const c of cuts) {
      const id = c[2];
      if (!id || this.#known(id)) continue;
      const w = this.#writing.get(id);
      if (w) waits.push(w);
      else if (!claimed.has(id)) {
        claimed.add(id);
        mine.push(c);
      }
    }
    if (mine.length > 0) {
      const job = this.#write(slot, base, mine);
      for (const c of mine) this.#writing.set(c[2], job);
      waits.push(job);
    }
    // settled, not raced: a failure elsewhere must not free the slot while our writes still read it
    await allSettledOrThrow(waits);
    await this.#session.maybeFlush();
  }

  async #write(slot: SharedArrayBuffer, base: number, pieces: Array<[number, number, string]>): Promise<void> {
    const { frames } = await this.#pool.encode({ slot, base, pieces });
    // all frames written at once; settled before returning, since the caller then hands the
    // slot (where the payloads sit) to other work
    await allSettledOrThrow(
      pieces.map(async ([off, len, id], i) => {
        const f = frames[i] as EncodeResult["frames"][number];
        const stored = await this.#writer.add(id, [f.header, Buffer.from(slot, off - base, f.payloadLen)], len);
        this.#written.set(id, stored);
        this.#writing.delete(id);
        this.newChunks++;
        this.newStoredBytes += stored;
      }),
    );
  }
}
