// The dependency rule and the composition root, checked on the sources: services reach db/, store/
// and connectors/ only through ports (type imports), never api/; no module reads the environment
// or loads a native addon at import time, so importing any module (a test, the CLI, a worker
// thread) has no effect until the composition root calls it.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = dirname(fileURLToPath(import.meta.url));

/** Production modules: tests and test fixtures are free to read the environment. */
const isFixture = (path: string) => /\.test\.ts$|test-support|test-databases\.ts$|\/testing\.ts$|transaction-contender\.ts$/.test(path);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith(".ts") && !isFixture(path) ? [path] : [];
  });
}

const modules = sources(SRC).map((path) => ({ path: relative(SRC, path), text: readFileSync(path, "utf8") }));

/** Where the environment may be read: the entry point and configuration, and these few at run time. */
const READS_ENV = new Set([
  "main.ts",
  // spawned worker threads and store tuning flags read it when first used (see each file)
  "store/worker-pool.ts",
  "store/chunker-cdc.ts",
  "platform/page-cache.ts",
]);

/** Relative static imports and re-exports of a module, each resolved relative to src/. */
function importsOf(path: string, text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+"(\.[^"]*)";/gms)) {
    if (m[1] !== undefined) found.push(relative(SRC, resolve(SRC, dirname(path), m[1])));
  }
  return found;
}

describe("architecture", () => {
  it("reads the environment only in the entry point, configuration and the listed run-time reads", () => {
    const readers = modules.filter((m) => /process\.env\b/.test(m.text) && !m.path.startsWith("config/") && !READS_ENV.has(m.path)).map((m) => m.path);
    expect(readers).toEqual([]);
  });

  it("reads no OBR_ variable and loads no native addon while a module is imported", () => {
    const files = modules.filter((m) => m.path !== "main.ts").map((m) => join(SRC, m.path));
    const probe = join(SRC, "../test/helpers/import-probe.ts");
    const out = execFileSync(process.execPath, [probe, ...files], { encoding: "utf8", env: { ...process.env, OBR_DATA_DIR: "/nonexistent" } });
    expect(JSON.parse(out.trim().split("\n").at(-1) ?? "null")).toEqual([]);
  });

  it("keeps services off api/, and off db/, store/ and connectors/: they use the ports in services/ports", () => {
    const offenders: string[] = [];
    for (const m of modules.filter((x) => x.path.startsWith("services/"))) {
      for (const from of importsOf(m.path, m.text)) {
        if (/^(api|db|store|connectors)\//.test(from)) offenders.push(`${m.path} -> ${from}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("keeps the SDK standalone: src/sdk imports nothing else of obr (it ships as open-backup-recovery/sdk)", () => {
    const offenders = modules.filter((m) => m.path.startsWith("sdk/")).flatMap((m) => importsOf(m.path, m.text).filter((from) => !from.startsWith("sdk/")).map((from) => `${m.path} -> ${from}`));
    expect(offenders).toEqual([]);
  });
});
