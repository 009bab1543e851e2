import { describe, expect, it } from "vitest";
import { fits, S, shapeProblem } from "./json-shape.ts";

describe("shape checks of the store's JSON records", () => {
  const shape = S.object({ n: S.integer({ minimum: 1, maximum: 8 }), s: S.optional(S.string({ pattern: /^a+$/ })), inner: S.object({ k: S.literal("x", 2) }, { open: true }) });

  it("names the first field that does not fit, and why", () => {
    expect(shapeProblem(shape, { n: 1, inner: { k: "x", extra: 1 } })).toBeNull();
    expect(shapeProblem(shape, { n: 1, s: "aa", inner: { k: 2 } })).toBeNull();
    expect(shapeProblem(shape, { inner: { k: 2 } })).toEqual({ field: "n", problem: "missing" });
    expect(shapeProblem(shape, { n: 9, inner: { k: 2 } })?.field).toBe("n");
    expect(shapeProblem(shape, { n: 1.5, inner: { k: 2 } })?.problem).toBe("expected an integer (found 1.5)");
    expect(shapeProblem(shape, { n: 1, s: "ab", inner: { k: 2 } })?.field).toBe("s");
    expect(shapeProblem(shape, { n: 1, inner: { k: "2" } })?.field).toBe("inner.k");
    expect(shapeProblem(shape, { n: 1, inner: [] })?.field).toBe("inner");
    expect(shapeProblem(shape, null, "cfg")?.field).toBe("cfg");
  });

  it("refuses unknown keys of a closed object, Object.prototype's names included", () => {
    expect(shapeProblem(shape, { n: 1, inner: { k: 2 }, nn: 1 })).toEqual({ field: "nn", problem: "unknown field (a damaged or renamed key)" });
    expect(shapeProblem(shape, JSON.parse('{"n":1,"inner":{"k":2},"toString":1}'))?.field).toBe("toString");
    expect(shapeProblem(S.object({ constructor: S.integer() }), {})).toEqual({ field: "constructor", problem: "missing" });
  });

  it("narrows a value that fits", () => {
    const v: unknown = JSON.parse('{"n":3,"inner":{"k":"x"}}');
    expect(fits(shape, v) && v.n + (v.inner.k === "x" ? 1 : 0)).toBe(4);
  });
});
