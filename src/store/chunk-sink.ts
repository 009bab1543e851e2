// Stores the chunks a backup produces: skips ids the store already has, writes each new id once
// even when several segments produce it at the same time, and registers every referenced id
// with the backup's GC session.
import type { BlobBackend } from "./backend.ts";
import { forEachLimit } from "./concurrency.ts";
import type { BackupSession } from "./session.ts";
import type { EncodeResult } from "./worker-protocol.ts";
import type { WorkerPool } from "./worker-pool.ts";

export const CHUNK_PREFIX = "chunks/";

export function chunkKey(id: string): string {
  return `${CHUNK_PREFIX}${id.slice(0, 2)}/${id}`;
}

export function idFromChunkKey(key: string): string | null {
  const id = key.slice(key.lastIndexOf("/") + 1);
  return /^[0-9a-f]{64}$/.test(id) ? id : null;
}

/** Ids of every chunk in the store (sizes unknown: -1), from one cheap listing. */
export async function listChunkIds(backend: BlobBackend): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (const k of await backend.listKeys(CHUNK_PREFIX)) {
    const id = idFromChunkKey(k);
    if (id) m.set(id, -1);
  }
  return m;
}

/** Stored size of every chunk in the store, from one listing. */
export async function listChunks(backend: BlobBackend): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (const b of await backend.list(CHUNK_PREFIX)) {
    const id = idFromChunkKey(b.key);
    if (id) m.set(id, b.size);
  }
  return m;
}

export class ChunkSink {
  readonly #backend: BlobBackend;
  readonly #pool: WorkerPool;
  readonly #session: BackupSession;
  /** id -> stored size (-1 = not yet known), for chunks present in the store or written by this backup */
  readonly known: Map<string, number>;
  readonly #writing = new Map<string, Promise<void>>();
  newChunks = 0;
  newStoredBytes = 0;

  constructor(backend: BlobBackend, pool: WorkerPool, session: BackupSession, known: Map<string, number>) {
    this.#backend = backend;
    this.#pool = pool;
    this.#session = session;
    this.known = known;
  }

  /** Stores the new chunks among cuts ([offset, length, id], "" = zero) whose bytes are in slot. */
  async store(slot: SharedArrayBuffer, base: number, cuts: ReadonlyArray<[number, number, string]>): Promise<void> {
    this.#session.add(cuts.map((c) => c[2]));
    const mine: Array<[number, number, string]> = [];
    const waits: Promise<void>[] = [];
    const claimed = new Set<string>();
    for (const c of cuts) {
      const id = c[2];
      if (!id || this.known.has(id)) continue;
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
    await Promise.all(waits);
    await this.#session.maybeFlush();
  }

  /** Fills in unknown stored sizes of the given ids (for statistics). */
  async resolveSizes(ids: Iterable<string>): Promise<void> {
    const unknown = [...new Set(ids)].filter((id) => id && (this.known.get(id) ?? -1) < 0);
    await forEachLimit(unknown, 32, async (id) => {
      const st = await this.#backend.stat(chunkKey(id));
      this.known.set(id, st?.size ?? 0);
    });
  }

  async #write(slot: SharedArrayBuffer, base: number, pieces: Array<[number, number, string]>): Promise<void> {
    const { frames } = await this.#pool.encode({ slot, base, pieces });
    await forEachLimit(
      pieces.map((p, i) => [p, frames[i] as EncodeResult["frames"][number]] as const),
      8,
      async ([[off, , id], f]) => {
        // the payload sits where the plaintext was, in the shared slot the caller holds until we finish
        const payload = Buffer.from(slot, off - base, f.payloadLen);
        await this.#backend.put(chunkKey(id), [f.header, payload]);
        const size = f.header.length + payload.length;
        this.known.set(id, size);
        this.#writing.delete(id);
        this.newChunks++;
        this.newStoredBytes += size;
      },
    );
  }
}
