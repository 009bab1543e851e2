// Wall-clock time in an IANA time zone, without a library: a local date-time is carried as
// "local milliseconds" (the wall clock read as if it were UTC), and converted to an instant with
// the zone's offset from Intl. Schedules are wall-clock rules ("daily at 02:30"), so their maths
// runs on local milliseconds and converts each slot to an instant once.

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formats.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows the zone (an unknown zone would throw at the first conversion). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset at `instant`: local milliseconds minus UTC milliseconds (whole seconds). */
export function offsetAt(timeZone: string, instant: number): number {
  if (timeZone === "UTC") return 0;
  const parts: Record<string, number> = {};
  for (const p of formatFor(timeZone).formatToParts(new Date(instant))) if (p.type !== "literal") parts[p.type] = Number(p.value);
  const local = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  return local - (instant - (((instant % 1000) + 1000) % 1000));
}

/** The local milliseconds of an instant. */
export const toLocal = (timeZone: string, instant: number): number => instant + offsetAt(timeZone, instant);

/**
 * The instant of a local date-time. In a DST overlap (the wall clock shows the time twice) the
 * earlier instant; in a DST gap (the time does not exist) the instant the gap ends (02:30 in a
 * 02:00-03:00 gap fires at 03:00), as cron daemons and croner do.
 */
export function toInstant(timeZone: string, local: number): number {
  if (timeZone === "UTC") return local;
  const before = offsetAt(timeZone, local - DAY_MS);
  const after = offsetAt(timeZone, local + DAY_MS);
  const valid = [before, after].map((o) => local - o).filter((t) => toLocal(timeZone, t) === local);
  if (valid.length > 0) return Math.min(...valid);
  // The change happened between these two instants: find it to the second.
  let lo = local - Math.max(before, after);
  let hi = local - Math.min(before, after);
  const late = offsetAt(timeZone, hi);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetAt(timeZone, mid) === late) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * A function from minute-of-day to instant for one local day (days since 1970-01-01): a
 * constant offset on the days without a DST change (all but two a year), toInstant otherwise.
 */
export function dayConverter(timeZone: string, day: number): (minuteOfDay: number) => number {
  const midnight = day * DAY_MS;
  if (timeZone === "UTC") return (m) => midnight + m * MINUTE_MS;
  const o1 = offsetAt(timeZone, midnight - DAY_MS);
  const o2 = offsetAt(timeZone, midnight + 2 * DAY_MS);
  if (o1 === o2 && offsetAt(timeZone, midnight + DAY_MS / 2) === o1) return (m) => midnight + m * MINUTE_MS - o1;
  return (m) => toInstant(timeZone, midnight + m * MINUTE_MS);
}
