// Leases: who holds a store's GC lock or runs a backup session, until when. A holder rewrites
// its record (a heartbeat) every third of the lease; a record is dead when its lease has
// expired (the holder stopped or lost touch, on whatever machine) or, sooner, when it names a
// process of this host that no longer exists. Expiry compares the writer's clock with the
// reader's: the machines sharing a store need clocks that agree to well within a lease (NTP).
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { Type } from "typebox";
import { Value } from "typebox/value";
import type { BlobBackend } from "./backend.ts";
import { processAlive } from "./process-alive.ts";

/** Default lease of the GC lock and backup sessions; a backend may set its own (`leaseMs`). */
export const DEFAULT_LEASE_MS = 60_000;

const OwnerSchema = Type.Object({
  host: Type.String(),
  pid: Type.Integer(),
  startedAt: Type.Number(),
  // absent in records of obr versions before leases: those die with their process only
  leaseId: Type.Optional(Type.String()),
  expiresAt: Type.Optional(Type.Number()),
});

export interface Owner {
  host: string;
  pid: number;
  startedAt: number;
  leaseId?: string;
  expiresAt?: number;
}

export function leaseMs(backend: BlobBackend): number {
  return backend.leaseMs ?? DEFAULT_LEASE_MS;
}

/** A new record for this process, its lease running from now. */
export function newOwner(backend: BlobBackend): Owner {
  const now = Date.now();
  return { host: hostname(), pid: process.pid, startedAt: now, leaseId: randomBytes(12).toString("hex"), expiresAt: now + leaseMs(backend) };
}

export function encodeOwner(o: Owner): Buffer {
  return Buffer.from(JSON.stringify(o));
}

/** The record in a blob's bytes, or null when they are not one (damaged, empty). */
export function parseOwner(raw: Buffer): Owner | null {
  let v: unknown;
  try {
    v = JSON.parse(raw.toString("utf8"));
  } catch {
    return null;
  }
  return Value.Check(OwnerSchema, v) ? v : null;
}

/** True when the holder is certainly gone: its lease expired, or it was a process of this host that has exited. */
export function ownerDead(o: Owner, now = Date.now()): boolean {
  if (o.expiresAt !== undefined && now > o.expiresAt) return true;
  return o.host === hostname() && !processAlive(o.pid);
}

/**
 * Renews a lease every third of its length until stopped. `renew` writes the renewed record
 * (and may throw to say the lease was lost); a renewal that finds the lease already expired
 * marks it lost without writing, since someone may have taken over meanwhile.
 */
export class Heartbeat {
  #owner: Owner;
  readonly #ms: number;
  readonly #renew: (o: Owner) => Promise<void>;
  readonly #timer: NodeJS.Timeout;
  #running: Promise<void> = Promise.resolve();
  #lost: string | null = null;

  constructor(owner: Owner, ms: number, renew: (o: Owner) => Promise<void>) {
    this.#owner = owner;
    this.#ms = ms;
    this.#renew = renew;
    this.#timer = setInterval(() => {
      this.#running = this.#running.then(() => this.#beat());
    }, Math.max(10, Math.floor(ms / 3)));
    this.#timer.unref(); // a lease never keeps a process alive
  }

  get owner(): Owner {
    return this.#owner;
  }

  /** Why the lease was lost, or null while it holds. */
  get lost(): string | null {
    if (!this.#lost && this.#owner.expiresAt !== undefined && Date.now() > this.#owner.expiresAt) this.#lost = "its lease expired before it was renewed";
    return this.#lost;
  }

  async #beat(): Promise<void> {
    if (this.lost) return;
    const next = { ...this.#owner, expiresAt: Date.now() + this.#ms };
    try {
      await this.#renew(next);
      this.#owner = next;
    } catch (err) {
      // a failed write is retried at the next beat; only expiry or a takeover loses the lease
      if (err instanceof LeaseLostError) this.#lost = err.message;
    }
  }

  /** Stops renewing; resolves once no renewal is writing any more. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}

/** Thrown by a renewal that finds another holder's record where its own should be. */
export class LeaseLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LeaseLostError";
  }
}
