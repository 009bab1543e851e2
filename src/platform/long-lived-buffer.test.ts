// A long-lived buffer made for a service is faulted in when it is made (in the background), so the
// first backup that uses it does not pay the first-touch faults; its contents stay what a new
// buffer holds. A one-shot command's is left to fault on first use.
import { describe, expect, it } from "vitest";
import { longLivedSharedBuffer } from "./long-lived-buffer.ts";
import { nativeAddon } from "./native.ts";

describe.skipIf(process.platform !== "linux" || nativeAddon() === null)("long-lived buffers", () => {
  const MiB = 1 << 20;

  it("with prefault: resident soon after they are made, and still read as zeros", async () => {
    const before = process.memoryUsage().rss;
    const b = longLivedSharedBuffer(64 * MiB, { prefault: true });
    let grown = 0;
    for (let i = 0; i < 100 && grown < 60 * MiB; i++) {
      await new Promise((r) => setTimeout(r, 20));
      grown = process.memoryUsage().rss - before;
    }
    expect(grown).toBeGreaterThanOrEqual(60 * MiB); // nothing touched it here: the prefault did
    const view = new Uint8Array(b);
    expect(view.every((x) => x === 0)).toBe(true);
  });

  it("without: not resident until used", async () => {
    const before = process.memoryUsage().rss;
    longLivedSharedBuffer(64 * MiB);
    await new Promise((r) => setTimeout(r, 200));
    expect(process.memoryUsage().rss - before).toBeLessThan(16 * MiB);
  });
});
