// Slows down guessing at the token endpoint: after `maxFailures` failures from one source within
// `windowMs`, further attempts get 429 with Retry-After until the window has passed.
import { AppError } from "../domain/app-error.ts";

export class AttemptLimiter {
  readonly #failures = new Map<string, number[]>();
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

  /** Throws 429 when `key` is locked out. */
  check(key: string, now = Date.now()): void {
    const list = this.#recent(key, now);
    if (list.length >= this.#maxFailures) {
      const retryAfter = Math.max(1, Math.ceil((list[0]! + this.#windowMs - now) / 1000));
      throw new AppError(429, "TOO_MANY_REQUESTS", "too many failed token requests; retry later", {
        headers: { "retry-after": String(retryAfter) },
      });
    }
  }

  fail(key: string, now = Date.now()): void {
    if (this.#failures.size > 100_000) this.#failures.clear(); // bounded memory under a spray of sources
    this.#recent(key, now).push(now);
    if (!this.#failures.has(key)) this.#failures.set(key, [now]);
  }
}
