// When a policy schedule fires: its slots, the instants it is due at. Pure maths on wall-clock
// time in the schedule's time zone (the contract's times are UTC, and a policy without a zone is
// UTC), so "daily at 02:30" stays at 02:30 across DST changes. The contract's rules:
// - BY_MINUTES every N (1-60): minutes of the day divisible by N, counted from local midnight.
// - HOURLY every N (1-24) on [minutes] (default [0]): hours divisible by N, at those minutes.
//   Both only inside `activeTime` when given (from..until inclusive; a window may wrap midnight).
// - DAILY every N days at startTime (default 00:00).
// - WEEKLY every N weeks on [weekdays, 0 = Monday] (default the anchor's weekday) at startTime.
// - MONTHLY every N months on [days, 0 = the last day] (default [1]) at startTime; a day the
//   month lacks (31 in April) is its last day.
// "Every N" days, weeks and months count from the anchor (when the job's schedule began), so
// "every 2 weeks" fires in the week the job was made, then every other week.
import { DAY_MS, dayConverter, toLocal } from "./zoned-time.ts";

export interface ScheduleRule {
  recurrence: string;
  repeatInterval: { every: number; on?: number[] | undefined };
  startTime?: string | undefined;
  activeTime?: { activeFromTime: string; activeUntilTime: string } | undefined;
}

export interface SlotContext {
  /** Instant (ms) from which "every N" days, weeks and months are counted. */
  anchor: number;
  /** IANA zone of the wall clock the rule speaks of. */
  timeZone: string;
}

/** Longest gap between two slots of any valid rule (MONTHLY every 12 on the 31st), with margin. */
const MAX_SCAN_DAYS = 800;

const minutesOf = (hhmm: string | undefined): number => {
  if (hhmm === undefined) return 0;
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};
const mod = (a: number, n: number) => ((a % n) + n) % n;
/** Monday-based weekday (0 = Monday) of a day number: 1970-01-01 was a Thursday. */
const weekdayOf = (day: number) => mod(day + 3, 7);
/** Weeks since the Monday before 1970-01-01. */
const weekOf = (day: number) => Math.floor((day + 3) / 7);
const monthOf = (date: Date) => date.getUTCFullYear() * 12 + date.getUTCMonth();

function inWindow(minute: number, window: ScheduleRule["activeTime"]): boolean {
  if (!window) return true;
  const from = minutesOf(window.activeFromTime);
  const until = minutesOf(window.activeUntilTime);
  return from <= until ? minute >= from && minute <= until : minute >= from || minute <= until;
}

/** The local minutes-of-day at which the rule fires on a local day, ascending. */
export function minutesOfDay(rule: ScheduleRule, day: number, anchorDay: number): number[] {
  const every = Math.max(1, rule.repeatInterval.every);
  const on = rule.repeatInterval.on?.length ? rule.repeatInterval.on : undefined;
  const start = [minutesOf(rule.startTime)];
  switch (rule.recurrence) {
    case "BY_MINUTES": {
      const out: number[] = [];
      for (let m = 0; m < 1440; m += every) if (inWindow(m, rule.activeTime)) out.push(m);
      return out;
    }
    case "HOURLY": {
      const out: number[] = [];
      const minutes = [...new Set(on ?? [0])].sort((a, b) => a - b);
      for (let h = 0; h < 24; h += every) for (const m of minutes) if (inWindow(h * 60 + m, rule.activeTime)) out.push(h * 60 + m);
      return out;
    }
    case "DAILY":
      return mod(day - anchorDay, every) === 0 ? start : [];
    case "WEEKLY": {
      const days = on ?? [weekdayOf(anchorDay)];
      return days.includes(weekdayOf(day)) && mod(weekOf(day) - weekOf(anchorDay), every) === 0 ? start : [];
    }
    case "MONTHLY": {
      const date = new Date(day * DAY_MS);
      if (mod(monthOf(date) - monthOf(new Date(anchorDay * DAY_MS)), every) !== 0) return [];
      const last = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
      const targets = (on ?? [1]).map((d) => (d === 0 ? last : Math.min(d, last)));
      return targets.includes(date.getUTCDate()) ? start : [];
    }
    default:
      return [];
  }
}

/** The rule's slots on one local day, as ascending distinct instants. */
function slotsOn(rule: ScheduleRule, day: number, ctx: SlotContext, anchorDay: number): number[] {
  const minutes = minutesOfDay(rule, day, anchorDay);
  if (minutes.length === 0) return [];
  const at = dayConverter(ctx.timeZone, day);
  return [...new Set(minutes.map(at))].sort((a, b) => a - b);
}

const dayOf = (timeZone: string, instant: number) => Math.floor(toLocal(timeZone, instant) / DAY_MS);

/** The first slot strictly after `after` (ms), or undefined when the rule never fires. */
export function nextSlotAfter(rule: ScheduleRule, after: number, ctx: SlotContext): number | undefined {
  const anchorDay = dayOf(ctx.timeZone, ctx.anchor);
  const first = dayOf(ctx.timeZone, after) - 1;
  for (let day = first; day <= first + MAX_SCAN_DAYS; day++) {
    const slot = slotsOn(rule, day, ctx, anchorDay).find((t) => t > after);
    if (slot !== undefined) return slot;
  }
  return undefined;
}

/** The newest slot at or before `at` (ms) and not before the anchor, or undefined. */
export function latestSlotAtOrBefore(rule: ScheduleRule, at: number, ctx: SlotContext): number | undefined {
  const anchorDay = dayOf(ctx.timeZone, ctx.anchor);
  const last = dayOf(ctx.timeZone, at) + 1;
  for (let day = last; day >= last - MAX_SCAN_DAYS && day >= anchorDay - 1; day--) {
    const slot = slotsOn(rule, day, ctx, anchorDay).findLast((t) => t <= at);
    if (slot !== undefined) return slot >= ctx.anchor ? slot : undefined;
  }
  return undefined;
}
