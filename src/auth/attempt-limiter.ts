// Slows down guessing at the token endpoint: after `maxFailures` failures for one key within
// `windowMs`, further attempts get 429 with Retry-After until the window has passed.
//
// An attempt reserves its slot before the secret is checked (scrypt takes tens of milliseconds):
// attempts under way count as failures until they end, so 100 parallel guesses cannot all be
// checked before the first of them is counted.
import { AppError } from "../domain/app-error.ts";

export interface Reservation {
  /** No failure in the window and no other attempt under way when this one was reserved. */
  readonly clean: boolean;
  /** The attempt failed: it stays counted for the window. */
  fail(): void;
  /** The attempt succeeded: it no longer counts. */
  release(): void;
}

const MAX_KEYS = 100_000;

export class AttemptLimiter {
  readonly #failures = new Map<string, number[]>();
  readonly #pending = new Map<string, number>();
  readonly #maxFailures: number;
  readonly #windowMs: number;

  constructor(maxFailures = 10, windowMs = 60_000) {
    this.#maxFailures = maxFailures;
    this.#windowMs = windowMs;
  }

  #recent(key: string, now: number): number[] {
    const list = (this.#failures.get(key) ?? []).filter((t) => now - t < this.#windowMs);
    if (list.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, list);
    return list;
  }

  /** Seconds until `key` may try again (at least 1). */
  retryAfter(key: string, now = Date.now()): number {
    const oldest = this.#recent(key, now)[0] ?? now;
    return Math.max(1, Math.ceil((oldest + this.#windowMs - now) / 1000));
  }

  /** A slot for one attempt, or undefined when failures and attempts under way reach the limit. */
  tryReserve(key: string, now = Date.now()): Reservation | undefined {
    const failed = this.#recent(key, now).length;
    const pending = this.#pending.get(key) ?? 0;
    if (failed + pending >= this.#maxFailures) return undefined;
    if (this.#pending.size > MAX_KEYS) this.#pending.clear(); // bounded memory under a spray of keys
    this.#pending.set(key, pending + 1);
    let done = false;
    const end = (failedNow: boolean) => {
      if (done) return;
      done = true;
      const left = (this.#pending.get(key) ?? 1) - 1;
      if (left > 0) this.#pending.set(key, left);
      else this.#pending.delete(key);
      if (failedNow) this.fail(key);
    };
    return { clean: failed + pending === 0, fail: () => end(true), release: () => end(false) };
  }

  /** Like tryReserve, but throws 429 with Retry-After when locked out. */
  reserve(key: string, now = Date.now()): Reservation {
    const slot = this.tryReserve(key, now);
    if (!slot) throw tooManyAttempts(this.retryAfter(key, now));
    return slot;
  }

  /** Counts one failure without a reservation. */
  fail(key: string, now = Date.now()): void {
    if (this.#failures.size > MAX_KEYS) this.#failures.clear();
    const list = this.#recent(key, now);
    list.push(now);
    this.#failures.set(key, list);
  }
}

export function tooManyAttempts(retryAfterSeconds: number): AppError {
  return new AppError(429, "TOO_MANY_REQUESTS", "too many failed token requests; retry later", {
    headers: { "retry-after": String(retryAfterSeconds) },
  });
}
