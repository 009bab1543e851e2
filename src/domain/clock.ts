// The control plane's one source of time. The composition root builds one clock and hands it to
// the repositories, services and job queue, so schedules, lease expiry and retention can be run
// on a test clock instead of the machine's.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** ISO-8601 with milliseconds, strictly after `previous` so updatedAt never goes backwards or repeats. */
export function nowIso(clock: Clock, previous?: string): string {
  let now = clock.now();
  if (previous) now = Math.max(now, Date.parse(previous) + 1);
  return new Date(now).toISOString();
}
