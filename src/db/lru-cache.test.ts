import { describe, expect, it } from "vitest";
import { LruCache } from "./lru-cache.ts";

describe("LruCache", () => {
  it("forgets the least recently used entry beyond its size", () => {
    const cache = new LruCache<string, number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")).toBe(1); // a is now the most recent
    cache.set("c", 3);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([1, undefined, 3]);
    expect(cache.size).toBe(2);
  });

  it("keeps the total weight within the budget and refuses a value heavier than all of it", () => {
    const cache = new LruCache<string, string>(10, { maxWeight: 10, weigh: (v) => v.length });
    cache.set("a", "aaaa");
    cache.set("b", "bbbb");
    cache.set("c", "cccc"); // 12 > 10: a goes
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([undefined, "bbbb", "cccc"]);
    cache.set("b", "b"); // replacing releases the old weight
    cache.set("d", "dddd");
    expect([cache.get("b"), cache.get("c"), cache.get("d")]).toEqual(["b", "cccc", "dddd"]);
    cache.set("huge", "x".repeat(11));
    expect(cache.get("huge")).toBeUndefined();
    expect(cache.size).toBe(3);
  });

  it("keeps the order right when the newest entry is read again and again", () => {
    const cache = new LruCache<string, number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.get("b");
    cache.get("a");
    cache.get("a");
    cache.set("c", 3); // b is the least recent
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([1, undefined, 3]);
  });

  it("deletes", () => {
    const cache = new LruCache<string, number>(2);
    cache.set("a", 1);
    cache.delete("a");
    cache.delete("missing");
    expect(cache.get("a")).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
