import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { cdcCutJs, cdcCutNative } from "./chunker-cdc.ts";

// the native addon is built by npm install where a C compiler exists (on CI machines)
describe.skipIf(cdcCutNative() === null)("native chunker", () => {
  it("cuts exactly where the JavaScript chunker cuts, from any start, at any limit, on any data", () => {
    const native = cdcCutNative();
    if (!native) throw new Error("the native chunker is not built");
    // random bytes, low-entropy text-like bytes and long runs of one value (no cut for a while)
    const random = randomBytes(3 << 20);
    const text = Buffer.from(Array.from({ length: 3 << 20 }, (_, i) => 97 + ((i * 7 + (i >> 5)) % 13)));
    const runs = Buffer.alloc(3 << 20, 0x41);
    random.copy(runs, 1 << 20, 0, 200_000);
    // views at odd offsets of a shared buffer, as the workers' slots are
    const slot = new SharedArrayBuffer((3 << 20) + 3);
    const shared = Buffer.from(slot, 3, 3 << 20);
    random.copy(shared);
    let compared = 0;
    for (const buf of [random, text, runs, shared]) {
      for (const [minSize, avgBits] of [[64 << 10, 18], [2048, 13], [0, 6]] as const) {
        for (let start = 0; start < buf.length - 1; start += 123_457) {
          for (const l of [buf.length, start + 1, start + minSize, start + minSize + 1, start + (1 << 20), start + 333_333]) {
            const limit = Math.min(buf.length, l);
            expect(native(buf, start, limit, minSize, avgBits), `start ${start} limit ${limit} min ${minSize}`).toBe(cdcCutJs(buf, start, limit, minSize, avgBits));
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(500);
  });
});
