// Stores the chunks a backup produces: skips ids the store already has, writes each new id once
// even when several segments produce it at the same time, and registers every referenced id
// with the backup's GC session. New chunks go into packs (pack-writer.ts). The store's index may
// still be loading when the first chunks arrive: chunking needs no index, only the decision
// which chunks to write does, so the load overlaps the first reads and the workers' start.
import { allSettledOrThrow } from "./concurrency.ts";
import type { PackWriter } from "./pack-writer.ts";
import type { BackupSession } from "./session.ts";
import type { EncodedFrame } from "./worker-protocol.ts";
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
  store(slot: SharedArrayBuffer, base: number, cuts: ReadonlyArray<Cut>): Promise<void> {
    return this.storeEncoded(slot, base, cuts, []);
  }

  /**
   * Like store(), where a worker already encoded some of the cuts' chunks in place (frames by
   * index into cuts). A new chunk without a frame (the worker was told the store holds it, and
   * the index says otherwise) is encoded here.
   */
  async storeEncoded(slot: SharedArrayBuffer, base: number, cuts: ReadonlyArray<Cut>, frames: ReadonlyArray<EncodedFrame & { cut: number }>): Promise<void> {
    this.#session.add(cuts.map((c) => c[2]));
    this.#present ??= await this.#index;
    const encoded = new Map<string, { cut: Cut; frame: EncodedFrame }>();
    for (const f of frames) if (f.cut < cuts.length) encoded.set((cuts[f.cut] as Cut)[2], { cut: cuts[f.cut] as Cut, frame: f });
    const ready: Array<{ cut: Cut; frame: EncodedFrame }> = [];
    const plain: Cut[] = [];
    const waits: Promise<void>[] = [];
    const claimed = new Set<string>();
    for (const c of cuts) {
      const id = c[2];
      if (!id || this.#known(id)) continue;
      const w = this.#writing.get(id);
      if (w) waits.push(w);
      else if (!claimed.has(id)) {
        claimed.add(id);
        const e = encoded.get(id);
        if (e) ready.push(e);
        else plain.push(c);
      }
    }
    const jobs: Array<[Promise<void>, readonly string[]]> = [];
    if (plain.length > 0) jobs.push([this.#encodeAndWrite(slot, base, plain), plain.map((c) => c[2])]);
    if (ready.length > 0) jobs.push([this.#write(slot, base, ready), ready.map((e) => e.cut[2])]);
    for (const [job, ids] of jobs) {
      for (const id of ids) this.#writing.set(id, job);
      waits.push(job);
    }
    // settled, not raced: a failure elsewhere must not free the slot while our writes still read it
    await allSettledOrThrow(waits);
    await this.#session.maybeFlush();
  }

  async #encodeAndWrite(slot: SharedArrayBuffer, base: number, pieces: Cut[]): Promise<void> {
    const { frames } = await this.#pool.encode({ slot, base, pieces });
    await this.#write(slot, base, pieces.map((cut, i) => ({ cut, frame: frames[i] as EncodedFrame })));
  }

  /** Writes frames whose payloads sit in the slot at their chunk's offset; settled before returning, since the caller then hands the slot to other work. */
  async #write(slot: SharedArrayBuffer, base: number, items: ReadonlyArray<{ cut: Cut; frame: EncodedFrame }>): Promise<void> {
    await allSettledOrThrow(
      items.map(async ({ cut: [off, len, id], frame }) => {
        const stored = await this.#writer.add(id, [frame.header, Buffer.from(slot, off - base, frame.payloadLen)], len);
        this.#written.set(id, stored);
        this.#writing.delete(id);
        this.newChunks++;
        this.newStoredBytes += stored;
      }),
    );
  }
}

type Cut = readonly [offset: number, length: number, id: string];
