import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withLock, withLocks } from "./file-lock.ts";

describe("file locks", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "obr-lock-test-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("serialises holders in one process and records the owner pid", async () => {
    const lock = join(dir, "a.lock");
    const events: string[] = [];
    const hold = (name: string) =>
      withLock(lock, async () => {
        events.push(`${name}+`);
        expect(await readFile(lock, "utf8")).toBe(String(process.pid));
        await new Promise((r) => setTimeout(r, 5));
        events.push(`${name}-`);
      });
    await Promise.all([hold("a"), hold("b"), hold("c")]);
    expect(events).toEqual(["a+", "a-", "b+", "b-", "c+", "c-"]);
  });

  it("releases on error and takes over a lock left by a dead process", async () => {
    const lock = join(dir, "b.lock");
    await expect(withLock(lock, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await writeFile(lock, "999999999"); // no such pid
    expect(await withLock(lock, async () => "got it")).toBe("got it");
  });

  it("takes several locks in a stable order so crossing callers do not deadlock", async () => {
    const [x, y] = [join(dir, "x.lock"), join(dir, "y.lock")];
    const results = await Promise.all([
      withLocks([x, y], async () => 1),
      withLocks([y, x], async () => 2),
      withLocks([x, x], async () => 3),
    ]);
    expect(results).toEqual([1, 2, 3]);
  });
});
