import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "./app-error.ts";
import { ensureUnlocked, isDue, isLocked, patchRetention } from "./copy-retention.ts";

const DAY = 86_400_000;
const NOW = Date.parse("2026-03-01T00:00:00.000Z");
const at = (days: number) => new Date(NOW + days * DAY).toISOString();

describe("copy retention", () => {
  it("a lock is extended, never shortened; expiry never before the lock nor in the past", () => {
    const current = { expiresAt: at(10), lockedUntil: at(5) };
    expect(patchRetention(current, { lockedUntil: at(8) }, NOW, "backup 'b'")).toEqual({ expiresAt: at(10), lockedUntil: at(8) });
    expect(() => patchRetention(current, { lockedUntil: at(4) }, NOW, "backup 'b'")).toThrow(/never shortened/);
    expect(() => patchRetention(current, { expiresAt: at(4) }, NOW, "backup 'b'")).toThrow(/before lockedUntil/);
    expect(() => patchRetention(current, { lockedUntil: at(11) }, NOW, "backup 'b'")).toThrow(/before lockedUntil/);
    expect(() => patchRetention({}, { expiresAt: at(-1) }, NOW, "backup 'b'")).toThrow(/in the past/);
    expect(() => patchRetention({}, { lockedUntil: at(-1) }, NOW, "backup 'b'")).toThrow(/in the past/);
    // One form for every stored time: they compare as text in the database.
    expect(patchRetention({}, { expiresAt: "2026-04-01T02:00:00+02:00" }, NOW, "x").expiresAt).toBe("2026-04-01T00:00:00.000Z");
  });

  it("a locked copy is neither due nor deletable; an expired unlocked one is due", () => {
    const copy = { expiresAt: at(1), lockedUntil: at(3) };
    expect(isLocked(copy, NOW + 2 * DAY)).toBe(true);
    expect(isDue(copy, NOW + 2 * DAY)).toBe(false);
    expect(isDue(copy, NOW + 3 * DAY)).toBe(true);
    expect(isDue({ lockedUntil: at(1) }, NOW + 9 * DAY)).toBe(false); // never expires
    expect(() => ensureUnlocked(copy, NOW, "snapshot 's'")).toThrow(AppError);
    expect(() => ensureUnlocked(copy, NOW + 3 * DAY, "snapshot 's'")).not.toThrow();
  });

  it("whatever patches are accepted, in any order, lockedUntil never goes down and expiresAt never precedes it", () => {
    const patch = fc.record({ expiresAt: fc.option(fc.integer({ min: -5, max: 40 })), lockedUntil: fc.option(fc.integer({ min: -5, max: 40 })) });
    fc.assert(
      fc.property(fc.array(patch, { maxLength: 12 }), (patches) => {
        let state: { expiresAt?: string; lockedUntil?: string } = { expiresAt: at(20), lockedUntil: at(2) };
        for (const p of patches) {
          const wanted = { ...(p.expiresAt !== null ? { expiresAt: at(p.expiresAt) } : {}), ...(p.lockedUntil !== null ? { lockedUntil: at(p.lockedUntil) } : {}) };
          try {
            const next = patchRetention(state, wanted, NOW, "c");
            expect(Date.parse(next.lockedUntil!)).toBeGreaterThanOrEqual(Date.parse(state.lockedUntil!));
            expect(Date.parse(next.expiresAt!)).toBeGreaterThanOrEqual(Date.parse(next.lockedUntil!));
            state = next;
          } catch (err) {
            expect(err).toBeInstanceOf(AppError);
          }
        }
      }),
    );
  });
});
