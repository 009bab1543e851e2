// The control plane's one source of time. The composition root builds one clock and hands it to
// the repositories, services and job queue, so schedules, lease expiry and retention can be run
// on a test clock instead of the machine's.
import { AppError } from "./app-error.ts";

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Calls `listener` whenever the clock jumps (a test clock moved forward), so what waits for a
   * time (the scheduler) looks again at once. Returns the unsubscribe. The system clock never jumps.
   */
  onJump?(listener: () => void): () => void;
}

export const systemClock: Clock = { now: () => Date.now() };

/** ISO-8601 with milliseconds, strictly after `previous` so updatedAt never goes backwards or repeats. */
export function nowIso(clock: Clock, previous?: string): string {
  let now = clock.now();
  if (previous) now = Math.max(now, Date.parse(previous) + 1);
  return new Date(now).toISOString();
}

/**
 * The installation's clock under OBR_TEST_CLOCK: real time plus an offset that an admin moves
 * forward (never back, so nothing stamped can end up in the future), telling listeners each time.
 */
export class TestClock implements Clock {
  readonly #base: () => number;
  readonly #listeners = new Set<() => void>();
  #offset = 0;

  constructor(base: () => number = Date.now) {
    this.#base = base;
  }

  now(): number {
    return this.#base() + this.#offset;
  }

  /** How far ahead of real time the clock runs, ms. */
  get offsetMs(): number {
    return this.#offset;
  }

  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw AppError.badRequest("the test clock only moves forward: advanceSeconds must be 0 or more");
    this.#offset += ms;
    for (const listener of this.#listeners) listener();
    return this.now();
  }

  /** Moves the clock to `instant` (ms), which must not be before now. */
  set(instant: number): number {
    const now = this.now();
    if (!Number.isFinite(instant) || instant < now) throw AppError.badRequest(`the test clock only moves forward: it is ${new Date(now).toISOString()} already`);
    return this.advance(instant - now);
  }

  onJump(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
