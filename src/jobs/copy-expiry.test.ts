// The expiry worker follows the test clock at once: moving it forward sweeps for due copies
// without waiting for the next interval, and a stopped worker no longer listens.
import pino from "pino";
import { expect, test } from "vitest";
import { TestClock } from "../domain/clock.ts";
import { CopyExpiry } from "./copy-expiry.ts";

test("a moved test clock sweeps at once, at the new time; after stop it does not", async () => {
  const clock = new TestClock();
  const asked: string[] = [];
  const index = {
    expired: async (nowIso: string) => {
      asked.push(nowIso);
      return [];
    },
  };
  const expiry = new CopyExpiry(index, { expire: async () => undefined }, clock, pino({ level: "silent" }), 3_600_000);
  expiry.start();
  await expect.poll(() => asked.length).toBe(1);
  const later = clock.advance(7 * 86_400_000);
  await expect.poll(() => asked.length).toBe(2);
  expect(Date.parse(asked[1] ?? "")).toBeGreaterThanOrEqual(later);
  await expiry.stop();
  clock.advance(1000);
  await new Promise((r) => setTimeout(r, 50));
  expect(asked).toHaveLength(2);
});
