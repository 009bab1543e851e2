// Retention and immutability of copies (backups and snapshots): what a PATCH of expiresAt and
// lockedUntil may do, and when a copy may be deleted. Pure rules on ISO-8601 times and `now`.
import { AppError } from "./app-error.ts";

export interface Retention {
  expiresAt?: string | undefined;
  lockedUntil?: string | undefined;
}

const ms = (iso: string): number => Date.parse(iso);

/** Whether the copy is still locked at `now` (epoch ms): it may not be deleted, by anyone or anything. */
export function isLocked(copy: Retention, now: number): boolean {
  return copy.lockedUntil !== undefined && ms(copy.lockedUntil) > now;
}

/** Whether the expiry worker deletes the copy now: expired and no longer locked. */
export function isDue(copy: Retention, now: number): boolean {
  return copy.expiresAt !== undefined && ms(copy.expiresAt) <= now && !isLocked(copy, now);
}

/**
 * The retention after a PATCH, or a 400 naming the broken rule: lockedUntil is extended, never
 * shortened, and lies in the future when set; expiresAt lies in the future and never before
 * lockedUntil (a copy cannot expire while it is locked). Times come back in one form (UTC, ms).
 */
export function patchRetention(current: Retention, patch: Retention, now: number, what: string): Retention {
  const next: Retention = { ...current };
  if (patch.lockedUntil !== undefined) {
    const wanted = ms(patch.lockedUntil);
    if (current.lockedUntil !== undefined && wanted < ms(current.lockedUntil)) {
      throw AppError.badRequest(`lockedUntil of ${what} can be extended, never shortened: it is locked until ${current.lockedUntil}`);
    }
    if (wanted <= now) throw AppError.badRequest(`lockedUntil ${patch.lockedUntil} lies in the past; a lock must end in the future`);
    next.lockedUntil = new Date(wanted).toISOString();
  }
  if (patch.expiresAt !== undefined) {
    const wanted = ms(patch.expiresAt);
    if (wanted <= now) throw AppError.badRequest(`expiresAt ${patch.expiresAt} lies in the past; delete the copy instead`);
    next.expiresAt = new Date(wanted).toISOString();
  }
  if (next.expiresAt !== undefined && next.lockedUntil !== undefined && ms(next.expiresAt) < ms(next.lockedUntil)) {
    throw AppError.badRequest(`expiresAt ${next.expiresAt} may not come before lockedUntil ${next.lockedUntil}: ${what} cannot expire while it is locked`);
  }
  return next;
}

/** Refuses a delete (412, as the contract's copy deletes document) while the copy is locked. */
export function ensureUnlocked(copy: Retention, now: number, what: string): void {
  if (isLocked(copy, now)) {
    throw AppError.preconditionFailed(`${what} is locked until ${copy.lockedUntil}: a copy is never deleted before its lockedUntil`);
  }
}
