import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { compileCacheDir } from "./compile-cache.ts";

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), "obr-cache-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("compile cache directory", () => {
  test("is the user's cache dir, created 0700, never /tmp", () => {
    const home = fresh();
    const dir = compileCacheDir({ XDG_CACHE_HOME: join(home, "xdg") });
    expect(dir).toBe(join(home, "xdg", "obr", "compile-cache"));
    expect(statSync(dir!).mode & 0o777).toBe(0o700);
    expect(compileCacheDir({ HOME: home })).toBe(join(home, ".cache", "obr", "compile-cache"));
    expect(compileCacheDir({ HOME: home, XDG_CACHE_HOME: "relative" })).toBe(join(home, ".cache", "obr", "compile-cache"));
  });

  test("one that others may write to, or a link, is not used", () => {
    const home = fresh();
    const shared = join(home, "a", "obr", "compile-cache");
    mkdirSync(shared, { recursive: true });
    chmodSync(shared, 0o777);
    expect(compileCacheDir({ XDG_CACHE_HOME: join(home, "a") })).toBeUndefined();
    const target = fresh();
    mkdirSync(join(home, "b", "obr"), { recursive: true });
    symlinkSync(target, join(home, "b", "obr", "compile-cache"));
    expect(compileCacheDir({ XDG_CACHE_HOME: join(home, "b") })).toBeUndefined();
  });
});
