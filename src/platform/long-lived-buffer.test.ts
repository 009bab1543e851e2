// A long-lived buffer is faulted in when it is made (in the background), so the first backup that
// uses it does not pay the first-touch faults; its contents stay what a new buffer holds.
import { describe, expect, it } from "vitest";
import { longLivedSharedBuffer } from "./long-lived-buffer.ts";
import { nativeAddon } from "./native.ts";

describe.skipIf(process.platform !== "linux" || nativeAddon() === null)("long-lived buffers", () => {
  it("are resident soon after they are made, and still read as zeros", async () => {
    const MiB = 1 << 20;
    const before = process.memoryUsage().rss;
    const b = longLivedSharedBuffer(64 * MiB);
    let grown = 0;
    for (let i = 0; i < 100 && grown < 60 * MiB; i++) {
      await new Promise((r) => setTimeout(r, 20));
      grown = process.memoryUsage().rss - before;
    }
    expect(grown).toBeGreaterThanOrEqual(60 * MiB); // nothing touched it here: the prefault did
    const view = new Uint8Array(b);
    expect(view.every((x) => x === 0)).toBe(true);
  });
});
