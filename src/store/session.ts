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
// - One GC at a time: locks/gc created with O_EXCL; a lock left by a dead process on this host
//   is broken.
// - Session files are written visible, not durable: they only matter while their owner lives.
//   A session whose owner file is missing or unreadable (a crash of the machine can leave it
//   empty) counts as live only while it is young: a live owner writes it before any part.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { BlobBackend } from "./backend.ts";
import { isNotFound } from "./backend.ts";
import { processAlive } from "./process-alive.ts";

export const SESSION_PREFIX = "sessions/";
export const GC_LOCK = "locks/gc";
/** Rewritten by every GC after its deletions: a backup that sees it change re-checks its chunks. */
export const GC_EPOCH = "locks/gc-epoch";
const UNREADABLE_LOCK_MS = 60_000;
/** An owner-less session untouched this long is the leftover of a crash, not one starting up. */
export const ORPHANED_SESSION_MS = 3600_000;
const VOLATILE = { volatile: true };

interface Owner {
  host: string;
  pid: number;
  startedAt: number;
}

function owner(): Owner {
  return { host: hostname(), pid: process.pid, startedAt: Date.now() };
}

/** True when the owner is certainly gone (same host, process no longer exists). */
export function ownerDead(o: Owner): boolean {
  return o.host === hostname() && !processAlive(o.pid);
}

export class BackupSession {
  readonly id: string;
  readonly #backend: BlobBackend;
  #unflushed: string[] = [];
  #seq = 0;
  #lastFlush = Date.now();
  /** The owner file's write: every part is written after it (see readSessions). */
  readonly #owned: Promise<void>;

  private constructor(backend: BlobBackend, id: string) {
    this.#backend = backend;
    this.id = id;
    this.#owned = backend.put(`${SESSION_PREFIX}${id}/owner`, Buffer.from(JSON.stringify(owner())), VOLATILE);
    this.#owned.catch(() => {}); // reported by flush()
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
    await this.#backend.put(`${SESSION_PREFIX}${this.id}/${String(++this.#seq).padStart(6, "0")}`, Buffer.from(ids.join("\n")), VOLATILE);
  }

  async end(): Promise<void> {
    await this.#owned.catch(() => {}); // an owner written after the clean-up would outlive it
    const parts = await this.#backend.list(`${SESSION_PREFIX}${this.id}/`);
    for (const p of parts) await this.#backend.delete(p.key);
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
      o = JSON.parse((await backend.get(`${SESSION_PREFIX}${sid}/owner`)).toString()) as Owner;
    } catch (err) {
      if (!isNotFound(err) && !(err instanceof SyntaxError)) throw err;
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

/** Takes the GC lock, breaking one left by a dead process; false when a live GC holds it. */
export async function acquireGcLock(backend: BlobBackend): Promise<boolean> {
  const data = Buffer.from(JSON.stringify(owner()));
  if (await backend.putExclusive(GC_LOCK, data)) return true;
  const holder = await readLock(backend);
  if (holder && !ownerDead(holder)) return false;
  await backend.delete(GC_LOCK);
  await backend.flush();
  return backend.putExclusive(GC_LOCK, data);
}

export async function releaseGcLock(backend: BlobBackend): Promise<void> {
  await backend.delete(GC_LOCK);
  await backend.flush();
}

async function readLock(backend: BlobBackend): Promise<Owner | null> {
  try {
    return JSON.parse((await backend.get(GC_LOCK)).toString()) as Owner;
  } catch (err) {
    if (isNotFound(err)) return null;
    if (!(err instanceof SyntaxError)) throw err;
    // putExclusive writes locks whole; an unreadable one was left by an older obr killed while
    // writing it: live while young, then ignored so it cannot block backups forever
    const info = await backend.stat(GC_LOCK).catch(() => null);
    return info && Date.now() - info.mtimeMs < UNREADABLE_LOCK_MS ? { host: "", pid: 0, startedAt: 0 } : null;
  }
}

/** Waits while a live GC holds the lock (a dead holder's lock is ignored). */
export async function waitForNoGc(backend: BlobBackend): Promise<void> {
  for (;;) {
    const holder = await readLock(backend);
    if (!holder || ownerDead(holder)) return;
    await sleep(20);
  }
}

/** Whether a GC holds the lock now, and the epoch the last finished GC left. */
export async function gcSnapshot(backend: BlobBackend): Promise<{ locked: boolean; epoch: string }> {
  const holder = await readLock(backend);
  let epoch = "";
  try {
    epoch = (await backend.get(GC_EPOCH)).toString();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return { locked: holder !== null && !ownerDead(holder), epoch };
}

export async function bumpGcEpoch(backend: BlobBackend): Promise<void> {
  await backend.put(GC_EPOCH, Buffer.from(`${Date.now()}-${randomBytes(8).toString("hex")}`));
  await backend.flush();
}
