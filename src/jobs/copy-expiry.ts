// The expiry worker: every interval, and whenever wake() is called or the test clock moves, it
// asks which copies have passed both expiresAt and lockedUntil on the injected clock and queues
// each one's delete job. The job key is the copy, so several server processes, or a
// sweep that overlaps a user's DELETE, start one delete; the delete job re-checks the lock.
import type { Logger } from "pino";
import { type Clock, nowIso } from "../domain/clock.ts";
import type { CopyIndex } from "../services/protection/copy-index.ts";
import type { CopyUseCases } from "../services/protection/copy-use-cases.ts";

/** Copies queued per sweep at most; the next sweep takes the rest. */
const SWEEP_BATCH = 200;

export class CopyExpiry {
  readonly #index: Pick<CopyIndex, "expired">;
  readonly #copies: Pick<CopyUseCases, "expire">;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #sweep: Promise<number> | undefined;
  #again = false;
  #running = false;
  #unsubscribe: (() => void) | undefined;

  constructor(index: Pick<CopyIndex, "expired">, copies: Pick<CopyUseCases, "expire">, clock: Clock, log: Logger, intervalMs: number) {
    this.#index = index;
    this.#copies = copies;
    this.#clock = clock;
    this.#log = log;
    this.#intervalMs = intervalMs;
  }

  /** Queues the deletes of every copy due now; returns how many were queued. One sweep at a time. */
  sweep(): Promise<number> {
    if (this.#sweep) {
      this.#again = true;
      return this.#sweep;
    }
    this.#sweep = this.#run().finally(() => {
      this.#sweep = undefined;
    });
    return this.#sweep;
  }

  async #run(): Promise<number> {
    let queued = 0;
    do {
      this.#again = false;
      const due = await this.#index.expired(nowIso(this.#clock), SWEEP_BATCH);
      for (const copy of due) {
        try {
          if ((await this.#copies.expire(copy)) !== undefined) queued++;
        } catch (err) {
          // A copy locked or changed since the query is not due; anything else is logged and retried next sweep.
          this.#log.warn({ err, copy }, "could not queue the delete of an expired copy");
        }
      }
    } while (this.#again);
    return queued;
  }

  /** Sweeps now (the clock moved, or a copy's expiry changed). */
  wake(): void {
    if (this.#running) void this.sweep().catch((err: unknown) => this.#log.error({ err }, "copy expiry sweep failed"));
  }

  start(): void {
    this.#running = true;
    // a test clock moved forward may have made copies due: look at once, as the scheduler does
    this.#unsubscribe = this.#clock.onJump?.(() => this.wake());
    const tick = () => {
      void this.sweep()
        .catch((err: unknown) => this.#log.error({ err }, "copy expiry sweep failed"))
        .finally(() => {
          if (this.#running) this.#timer = setTimeout(tick, this.#intervalMs);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    clearTimeout(this.#timer);
    await this.#sweep?.catch(() => undefined);
    clearTimeout(this.#timer);
  }
}
