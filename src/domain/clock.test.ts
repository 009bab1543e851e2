import { describe, expect, it } from "vitest";
import { AppError } from "./app-error.ts";
import { TestClock } from "./clock.ts";

describe("TestClock", () => {
  it("runs with real time plus an offset that only grows, and tells listeners when it jumps", () => {
    let real = 1_000_000;
    const clock = new TestClock(() => real);
    const jumps: number[] = [];
    const off = clock.onJump(() => jumps.push(clock.now()));
    expect(clock.now()).toBe(1_000_000);
    real += 5;
    expect(clock.now()).toBe(1_000_005);
    expect(clock.advance(3_600_000)).toBe(4_600_005);
    expect(clock.set(5_000_000)).toBe(5_000_000);
    expect(jumps).toEqual([4_600_005, 5_000_000]);
    expect(() => clock.set(4_999_999)).toThrow(AppError);
    expect(() => clock.advance(-1)).toThrow(/only moves forward/);
    off();
    clock.advance(1);
    expect(jumps).toHaveLength(2);
    expect(clock.offsetMs).toBe(5_000_001 - 1_000_005);
  });
});
