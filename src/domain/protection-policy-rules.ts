// Rules a protection policy must satisfy beyond its JSON schema. Pure: throws AppError(400).
import { AppError } from "./app-error.ts";

export interface ScheduleSpec {
  scheduleId: number;
  sourceProtectionScheduleId?: number;
  expireAfter?: { unit: string; value: number };
  lockFor?: { unit: string; value: number };
  schedule: {
    recurrence: string;
    repeatInterval: { every: number; on?: number[] };
    startTime?: string;
    activeTime?: { activeFromTime: string; activeUntilTime: string };
  };
}

export interface ProtectionSpec {
  type: string;
  protectionStoreId?: string;
  schedules: ScheduleSpec[];
}

// Which tier may feed which: a backup is made from a snapshot, a cloud backup from a backup or a
// snapshot, a replicated snapshot from a snapshot.
const ALLOWED_SOURCES: Record<string, readonly string[]> = {
  BACKUP: ["SNAPSHOT"],
  CLOUD_BACKUP: ["BACKUP", "SNAPSHOT"],
  REPLICATED_SNAPSHOT: ["SNAPSHOT"],
};
const NEEDS_STORE = new Set(["BACKUP", "CLOUD_BACKUP"]);

// Per recurrence: range of `every`, range of `on[]` values, and whether startTime/activeTime apply.
const RECURRENCE_RULES: Record<string, { every: [number, number]; on?: [number, number]; startTime: boolean }> = {
  BY_MINUTES: { every: [1, 60], startTime: false },
  HOURLY: { every: [1, 24], on: [0, 59], startTime: false },
  DAILY: { every: [1, 365], startTime: true },
  WEEKLY: { every: [1, 52], on: [0, 6], startTime: true },
  MONTHLY: { every: [1, 12], on: [0, 31], startTime: true },
};

const HOURS: Record<string, number> = { HOURS: 1, DAYS: 24, WEEKS: 168, MONTHS: 730, YEARS: 8760 };
export const durationHours = (d: { unit: string; value: number }): number => (HOURS[d.unit] ?? Number.NaN) * d.value;

function checkSchedule(where: string, s: ScheduleSpec): void {
  const rule = RECURRENCE_RULES[s.schedule.recurrence];
  if (!rule) throw AppError.badRequest(`${where}.schedule.recurrence '${s.schedule.recurrence}' is not supported`);
  const { every, on } = s.schedule.repeatInterval;
  if (every < rule.every[0] || every > rule.every[1]) {
    throw AppError.badRequest(`${where}.schedule.repeatInterval.every must be ${rule.every[0]}..${rule.every[1]} for ${s.schedule.recurrence}`);
  }
  if (on !== undefined && on.length > 0) {
    if (!rule.on) throw AppError.badRequest(`${where}.schedule.repeatInterval.on does not apply to ${s.schedule.recurrence}`);
    const [lo, hi] = rule.on;
    const bad = on.find((v) => v < lo || v > hi);
    if (bad !== undefined) throw AppError.badRequest(`${where}.schedule.repeatInterval.on value ${bad} is outside ${lo}..${hi}`);
  }
  if (s.schedule.startTime !== undefined && !rule.startTime) {
    throw AppError.badRequest(`${where}.schedule.startTime applies only to DAILY, WEEKLY and MONTHLY schedules`);
  }
  if (s.schedule.activeTime !== undefined && rule.startTime) {
    throw AppError.badRequest(`${where}.schedule.activeTime applies only to BY_MINUTES and HOURLY schedules`);
  }
  if (s.lockFor && s.expireAfter && durationHours(s.lockFor) > durationHours(s.expireAfter)) {
    throw AppError.badRequest(`${where}.lockFor must not be longer than expireAfter: a copy cannot stay locked after it expires`);
  }
}

/** Validates the whole protections[] tree of a policy (create, replace, or after a patch). */
export function validateProtections(protections: readonly ProtectionSpec[]): void {
  const typeBySchedule = new Map<number, string>();
  protections.forEach((p, i) => {
    if (NEEDS_STORE.has(p.type) && !p.protectionStoreId) {
      throw AppError.badRequest(`protections[${i}]: a ${p.type} protection needs a protectionStoreId`);
    }
    if (p.type === "SNAPSHOT" && p.protectionStoreId) {
      throw AppError.badRequest(`protections[${i}]: a SNAPSHOT protection takes no protectionStoreId`);
    }
    p.schedules.forEach((s, j) => {
      if (typeBySchedule.has(s.scheduleId)) {
        throw AppError.badRequest(`protections[${i}].schedules[${j}].scheduleId ${s.scheduleId} is used twice in the policy`);
      }
      typeBySchedule.set(s.scheduleId, p.type);
      checkSchedule(`protections[${i}].schedules[${j}]`, s);
    });
  });
  protections.forEach((p, i) => {
    p.schedules.forEach((s, j) => {
      if (s.sourceProtectionScheduleId === undefined) return;
      const where = `protections[${i}].schedules[${j}].sourceProtectionScheduleId`;
      const sourceType = typeBySchedule.get(s.sourceProtectionScheduleId);
      if (sourceType === undefined) throw AppError.badRequest(`${where} ${s.sourceProtectionScheduleId} names no schedule of this policy`);
      const allowed = ALLOWED_SOURCES[p.type] ?? [];
      if (!allowed.includes(sourceType)) {
        throw AppError.badRequest(`${where}: a ${p.type} schedule cannot be fed from a ${sourceType} schedule`);
      }
    });
  });
}
