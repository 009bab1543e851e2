import { expect, test } from "vitest";
import { KeyedMutex } from "./keyed-mutex.ts";

test("work on one key runs in order, other keys run alongside, failures do not block", async () => {
  const mutex = new KeyedMutex();
  const log: string[] = [];
  const step = (name: string, ms: number, fail = false) => async () => {
    log.push(`${name}+`);
    await new Promise((r) => setTimeout(r, ms));
    log.push(`${name}-`);
    if (fail) throw new Error(name);
    return name;
  };
  const results = await Promise.allSettled([mutex.run("a", step("a1", 20, true)), mutex.run("a", step("a2", 1)), mutex.run("b", step("b1", 5))]);
  expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled"]);
  expect(log.indexOf("a1-")).toBeLessThan(log.indexOf("a2+"));
  expect(log.indexOf("b1+")).toBeLessThan(log.indexOf("a1-"));
});
