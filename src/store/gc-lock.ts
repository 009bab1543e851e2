// The GC lock: one GC (or index repair) per store at a time, on any number of machines.
// - Taken with putExclusive(locks/gc) (a directory: a hard link; S3: claims, see s3-exclusive.ts),
//   holding a lease record (lease.ts) its holder renews every third of the lease.
// - A lock whose lease expired, or whose holder was a process of this host that exited, is
//   broken by whoever finds it first: only the one that creates locks/gc-broken/<lease id>
//   exclusively deletes it, so two GCs that found the same dead lock cannot both take over. A
//   marker whose own writer is dead (killed between the marker and the delete) is claimed the same
//   way, one level up: otherwise the dead lock would stay until GC removed old markers, which it
//   cannot do while the lock stands (a crash test wedged here).
// - The holder checks its lease (assertHeld) before every step that deletes: a holder that was
//   silent for a whole lease (stopped, cut off) stops rather than work beside its successor.
// - An unreadable lock (written by an obr from before whole-file locks, killed mid-write) counts
//   as held while young, then is broken like a dead one.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { BlobBackend } from "./backend.ts";
import { isNotFound } from "./backend.ts";
import { GcLeaseLostError } from "./errors.ts";
import type { Owner } from "./lease.ts";
import { encodeOwner, Heartbeat, LeaseLostError, leaseMs, newOwner, ownerDead, parseOwner } from "./lease.ts";

export const GC_LOCK = "locks/gc";
/** Rewritten by every GC after its deletions: a backup that sees it change re-checks its chunks. */
export const GC_EPOCH = "locks/gc-epoch";
/** One marker per broken lock (see above); GC removes those older than an hour. */
export const GC_BROKEN_PREFIX = "locks/gc-broken/";
const UNREADABLE_LOCK_MS = 60_000;
const BROKEN_MARKER_MS = 3600_000;

type LockState = { state: "absent" } | { state: "held"; owner: Owner; tag: string; live: boolean } | { state: "unreadable"; tag: string; live: boolean };

async function readLock(backend: BlobBackend): Promise<LockState> {
  let raw: Buffer;
  try {
    raw = await backend.get(GC_LOCK);
  } catch (err) {
    if (isNotFound(err)) return { state: "absent" };
    throw err;
  }
  const owner = parseOwner(raw);
  if (owner) return { state: "held", owner, tag: owner.leaseId ?? `${owner.host}-${owner.pid}-${owner.startedAt}`, live: !ownerDead(owner) };
  const info = await backend.stat(GC_LOCK).catch(() => null);
  if (!info) return { state: "absent" };
  return { state: "unreadable", tag: `unreadable-${info.mtimeMs}`, live: Date.now() - info.mtimeMs < UNREADABLE_LOCK_MS };
}

/** The GC lock held by this process, renewed until released. */
export class GcLease {
  readonly #backend: BlobBackend;
  readonly #beat: Heartbeat;

  constructor(backend: BlobBackend, owner: Owner) {
    this.#backend = backend;
    this.#beat = new Heartbeat(owner, leaseMs(backend), async (next) => {
      const cur = await readLock(backend);
      if (cur.state !== "held" || cur.owner.leaseId !== owner.leaseId) throw new LeaseLostError("another process took the GC lock over");
      await backend.put(GC_LOCK, encodeOwner(next));
      await backend.flush();
    });
  }

  /** Throws GcLeaseLostError when the lease lapsed or was taken over: the caller must not delete anything more. */
  assertHeld(): void {
    const why = this.#beat.lost;
    if (why) throw new GcLeaseLostError(why);
  }

  async release(): Promise<void> {
    await this.#beat.stop();
    if (this.#beat.lost) return; // not ours any more: another holder's lock stays
    await this.#backend.delete(GC_LOCK);
    await this.#backend.flush();
  }
}

/** Takes the GC lock, breaking a dead holder's; null when a live holder (or another breaker) has it. */
export async function acquireGcLock(backend: BlobBackend): Promise<GcLease | null> {
  const me = newOwner(backend);
  if (await backend.putExclusive(GC_LOCK, encodeOwner(me))) return new GcLease(backend, me);
  const cur = await readLock(backend);
  if (cur.state !== "absent") {
    if (cur.live) return null;
    if (!(await claimBreak(backend, cur.tag, me))) return null;
    await backend.delete(GC_LOCK);
    await backend.flush();
  }
  return (await backend.putExclusive(GC_LOCK, encodeOwner(me))) ? new GcLease(backend, me) : null;
}

/**
 * The exclusive right to remove the dead holder tagged `tag`: its marker, or, when another process
 * wrote that marker and died before finishing, the marker of that marker (each level names a
 * different dead process, so this ends). False while a live process is breaking it.
 */
async function claimBreak(backend: BlobBackend, tag: string, me: Owner): Promise<boolean> {
  const marker = `${GC_BROKEN_PREFIX}${tag}`;
  if (await backend.putExclusive(marker, encodeOwner(me))) return true;
  const raw = await backend.get(marker).catch(() => null);
  const breaker = raw ? parseOwner(raw) : null;
  if (!breaker?.leaseId || !ownerDead(breaker) || breaker.leaseId === tag) return false;
  return claimBreak(backend, breaker.leaseId, me);
}

/** Waits while a live GC holds the lock (a dead holder's lock is ignored). */
export async function waitForNoGc(backend: BlobBackend): Promise<void> {
  for (;;) {
    const cur = await readLock(backend);
    if (cur.state === "absent" || !cur.live) return;
    await sleep(20);
  }
}

/** Whether a GC holds the lock now, and the epoch the last finished GC left. */
export interface GcSnapshot {
  locked: boolean;
  epoch: string;
}

/**
 * Both read at once (a round trip each on S3): in either order a GC that runs between the two
 * reads is seen, as a held lock or as an epoch that changes before the commit's check.
 */
export async function gcSnapshot(backend: BlobBackend): Promise<GcSnapshot> {
  const [cur, epoch] = await Promise.all([readLock(backend), readGcEpoch(backend)]);
  return { locked: cur.state !== "absent" && cur.live, epoch };
}

/** The epoch the last finished GC left ("" before the first). */
export async function readGcEpoch(backend: BlobBackend): Promise<string> {
  try {
    return (await backend.get(GC_EPOCH)).toString();
  } catch (err) {
    if (!isNotFound(err)) throw err;
    return "";
  }
}

export async function bumpGcEpoch(backend: BlobBackend): Promise<void> {
  await backend.put(GC_EPOCH, Buffer.from(`${Date.now()}-${randomBytes(8).toString("hex")}`));
  await backend.flush();
}

/** Removes markers of locks broken more than an hour ago (no breaker still acts on them). */
export async function sweepBrokenMarkers(backend: BlobBackend): Promise<number> {
  const now = Date.now();
  const old = (await backend.list(GC_BROKEN_PREFIX)).filter((b) => now - b.mtimeMs >= BROKEN_MARKER_MS);
  for (const b of old) await backend.delete(b.key);
  return old.length;
}
