// Words and numbers for people: sizes, times, and policy schedules in plain words
// ("every 4 hours", "daily at 02:00 UTC, kept 7 days"), following the contract's Schedule.

export interface Duration {
  unit: string;
  value: number;
}

export interface ScheduleShape {
  recurrence: string;
  repeatInterval: { every: number; on?: number[] };
  startTime?: string;
  activeTime?: { activeFromTime: string; activeUntilTime: string };
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
export function bytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "–";
  let v = n;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${UNITS[i]}`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "–";
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (Number.isNaN(s)) return iso;
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function seconds(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

const plural = (n: number, one: string) => (n === 1 ? `1 ${one}` : `${n} ${one}s`);

export function durationWords(d: Duration | undefined): string {
  if (!d) return "";
  const unit = d.unit.toLowerCase().replace(/s$/, "");
  return plural(d.value, unit);
}

/** Contract weekdays: 0 is Monday. */
export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

const ordinal = (n: number) => (n === 0 ? "last day" : `day ${n}`);

export function scheduleWords(s: ScheduleShape): string {
  const { every, on = [] } = s.repeatInterval;
  const at = s.startTime ? ` at ${s.startTime} UTC` : "";
  const window = s.activeTime ? `, between ${s.activeTime.activeFromTime} and ${s.activeTime.activeUntilTime} UTC` : "";
  switch (s.recurrence) {
    case "BY_MINUTES":
      return `every ${plural(every, "minute")}${window}`;
    case "HOURLY": {
      const minute = on.length > 0 ? ` at minute ${joinWords(on.map(String))}` : "";
      return `${every === 1 ? "every hour" : `every ${every} hours`}${minute}${window}`;
    }
    case "DAILY":
      return `${every === 1 ? "daily" : `every ${every} days`}${at}`;
    case "WEEKLY": {
      const days = on.length > 0 ? ` on ${joinWords(on.map((d) => WEEKDAYS[d] ?? `day ${d}`))}` : "";
      return `${every === 1 ? "weekly" : `every ${every} weeks`}${days}${at}`;
    }
    case "MONTHLY": {
      const days = on.length > 0 ? ` on the ${joinWords(on.map(ordinal))}` : "";
      return `${every === 1 ? "monthly" : `every ${every} months`}${days}${at}`;
    }
    default:
      return s.recurrence.toLowerCase();
  }
}

export const TIER_NAMES: Record<string, string> = {
  SNAPSHOT: "Snapshot",
  BACKUP: "Backup",
  CLOUD_BACKUP: "Cloud backup",
  REPLICATED_SNAPSHOT: "Replicated snapshot",
  DATABASE_LOG_BACKUP: "Log backup",
};

/** "Snapshot every 4 hours, kept 2 days, locked 1 day". */
export function tierWords(type: string, s: { schedule: ScheduleShape; expireAfter?: Duration; lockFor?: Duration }): string {
  const kept = s.expireAfter ? `, kept ${durationWords(s.expireAfter)}` : "";
  const locked = s.lockFor ? `, locked ${durationWords(s.lockFor)}` : "";
  return `${TIER_NAMES[type] ?? type} ${scheduleWords(s.schedule)}${kept}${locked}`;
}

/** Words for an enum value: PARTIALLY_PROTECTED -> "partially protected". */
export const words = (value: string | undefined): string => (value ? value.toLowerCase().replaceAll("_", " ") : "–");
