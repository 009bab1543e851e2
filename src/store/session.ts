// Coordination between backups and GC (possibly in other processes).
// Protocol:
// - A backup registers every chunk id it will reference (reused or new) in session parts
//   sessions/<sid>/<seq> before it finishes; GC reads sessions *before* manifests and treats
//   registered ids as live.
// - Before writing its manifest a backup flushes its session, waits until no GC holds the lock,
//   then checks every referenced chunk still exists. Any GC that read the sessions before the
//   flush has finished by then, so a chunk it removed is seen missing (ConcurrentGcError, nothing
//   recorded); any later GC sees the session. The session is removed only after the manifest is
//   durable, and GC reads manifests after sessions, so no window is left.
// - Each session's owner file is a lease (lease.ts) renewed while the backup runs: a session
//   whose owner is dead (lease expired, or a process of this host gone) is ignored and removed.
// - Session files are written visible, not durable: they only matter while their owner lives.
//   A session whose owner file is missing or unreadable (a crash of the machine can leave it
//   empty) counts as live only while it is young: a live owner writes it before any part.
// The GC lock is in gc-lock.ts.
import { randomBytes } from "node:crypto";
import type { BlobBackend } from "./backend.ts";
import { isNotFound } from "./backend.ts";
import type { Owner } from "./lease.ts";
import { encodeOwner, Heartbeat, leaseMs, newOwner, ownerDead, parseOwner } from "./lease.ts";

export const SESSION_PREFIX = "sessions/";
/** An owner-less session untouched this long is the leftover of a crash, not one starting up. */
export const ORPHANED_SESSION_MS = 3600_000;
const VOLATILE = { volatile: true };

export class BackupSession {
  readonly id: string;
  readonly #backend: BlobBackend;
  readonly #ownerKey: string;
  #unflushed: string[] = [];
  #seq = 0;
  #lastFlush = Date.now();
  /** The owner file's write: every part is written after it (see readSessions). */
  readonly #owned: Promise<void>;
  /** Renews the owner's lease until end(). */
  readonly #beat: Heartbeat;

  private constructor(backend: BlobBackend, id: string) {
    this.#backend = backend;
    this.id = id;
    const owner = newOwner(backend);
    const ownerKey = `${SESSION_PREFIX}${id}/owner`;
    this.#ownerKey = ownerKey;
    const owned = backend.put(ownerKey, encodeOwner(owner), VOLATILE);
    owned.catch(() => {}); // reported by flush()
    this.#owned = owned;
    this.#beat = new Heartbeat(owner, leaseMs(backend), async (next) => {
      await owned; // never overtaken by the first write
      await backend.put(ownerKey, encodeOwner(next), VOLATILE);
    });
  }

  /**
   * A new session, its owner file being written: the backup need not wait for it (~10 ms
   * when the file system is busy) before it starts reading, only its first part does.
   */
  static start(backend: BlobBackend): BackupSession {
    return new BackupSession(backend, `${Date.now()}-${randomBytes(4).toString("hex")}`);
  }

  add(ids: Iterable<string>): void {
    for (const id of ids) if (id) this.#unflushed.push(id);
  }

  /** Flushes when enough has accumulated; cheap to call often. */
  async maybeFlush(): Promise<void> {
    if (this.#unflushed.length >= 4096 || (this.#unflushed.length > 0 && Date.now() - this.#lastFlush > 1000)) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#unflushed.length === 0) return;
    const ids = this.#unflushed;
    this.#unflushed = [];
    this.#lastFlush = Date.now();
    await this.#owned;
    // visible is enough, durable is not needed: a session only matters to a GC that runs while
    // its owner lives (after a crash the owner is dead and the session ignored)
    await this.#backend.put(this.#partKey(++this.#seq), Buffer.from(ids.join("\n")), VOLATILE);
  }

  /**
   * Removes the session: every key it may have written is known (a part's number is taken before
   * its write), so none is listed (on S3 the listing was a round trip of ≈ 45 ms after every
   * backup and copy). Parts go first: an owner-less session's parts count as live while young.
   */
  async end(): Promise<void> {
    await this.#beat.stop(); // a renewal after the clean-up would leave an owner behind
    await this.#owned.catch(() => {}); // an owner written after the clean-up would outlive it
    await Promise.all(Array.from({ length: this.#seq }, (_, i) => this.#backend.delete(this.#partKey(i + 1))));
    await this.#backend.delete(this.#ownerKey);
  }

  #partKey(seq: number): string {
    return `${SESSION_PREFIX}${this.id}/${String(seq).padStart(6, "0")}`;
  }
}

/** Ids registered by live sessions; dead sessions' parts are returned separately for cleanup. */
export async function readSessions(backend: BlobBackend): Promise<{ live: Set<string>; deadKeys: string[] }> {
  const parts = await backend.list(SESSION_PREFIX);
  const bySession = new Map<string, string[]>();
  const newest = new Map<string, number>();
  for (const p of parts) {
    const sid = p.key.slice(SESSION_PREFIX.length).split("/")[0] ?? "";
    bySession.set(sid, [...(bySession.get(sid) ?? []), p.key]);
    newest.set(sid, Math.max(newest.get(sid) ?? 0, p.mtimeMs));
  }
  const live = new Set<string>();
  const deadKeys: string[] = [];
  for (const [sid, keys] of bySession) {
    let o: Owner | null = null;
    try {
      o = parseOwner(await backend.get(`${SESSION_PREFIX}${sid}/owner`));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    // an owner-less session is one starting or ending (its parts count as live) or, once old,
    // the leftover of a crash
    const orphaned = !o && Date.now() - (newest.get(sid) ?? 0) > ORPHANED_SESSION_MS;
    if (orphaned || (o && ownerDead(o))) {
      deadKeys.push(...keys);
      continue;
    }
    for (const k of keys) {
      if (k.endsWith("/owner")) continue;
      try {
        for (const id of (await backend.get(k)).toString().split("\n")) if (id) live.add(id);
      } catch (err) {
        if (!isNotFound(err)) throw err; // removed by its ending session: then its manifest exists
      }
    }
  }
  return { live, deadKeys };
}
