// The one test command (`npm test`): lint and type-check, then vitest on the unit project and
// the integration suite against SQLite and PostgreSQL. Ends with a plain "N passed, N failed" line.
// `--slow` (`npm run test:slow`): only the tiered files (those importing test/helpers/tiers.ts:
// fuzzers and kill loops) at full strength, on the same projects, ending with the same line.
// With OBR_TEST_TALLY=<file> the counts are appended to that file instead of printed, so that
// .ci/run can print one line for both tiers.
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

const ci = process.env.CI === "true" || process.env.CI === "1";
const pgUrl = process.env.OBR_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const slow = process.argv.includes("--slow");
const extraArgs = process.argv.slice(2).filter((a) => a !== "--slow");
const started = Date.now();

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const r = spawnSync(cmd, args, { stdio: "inherit", env });
  return r.status ?? 1;
}

/** The test files of the slow tier: those that take their counts from test/helpers/tiers.ts. */
function tieredFiles(): string[] {
  return ["src", "test"]
    .flatMap((root) => readdirSync(root, { recursive: true, encoding: "utf8" }).map((f) => join(root, f)))
    .filter((f) => f.endsWith(".test.ts") && /\/tiers\.ts["']/.test(readFileSync(f, "utf8")))
    .sort();
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

let passed = 0;
let failed = 0;
const check = (name: string, status: number) => {
  if (status === 0) passed++;
  else {
    failed++;
    console.error(`✗ ${name} failed`);
  }
};

// The slow tier runs after `npm test` (in CI too), which has linted and type-checked already.
if (!slow) {
  check("biome lint", run("biome", ["check", "."]));
  check("tsc type-check", run("tsc", ["--noEmit", "-p", "."]));
  check("tsc type-check (console)", run("tsc", ["--noEmit", "-p", "console"]));
}

const projects = ["unit", "sqlite", "s3"];
if (await postgresReachable()) projects.push("postgres");
else if (ci) {
  console.error(`PostgreSQL is required in CI but ${pgUrl} is unreachable`);
  failed++;
} else {
  console.warn(
    `\n⚠ PostgreSQL at ${pgUrl} is unreachable: the PostgreSQL half of the suite is skipped.\n` +
      "  Start it (Debian: pg_ctlcluster <version> main start) or set OBR_TEST_PG_URL to enable it.\n",
  );
}

const outDir = mkdtempSync(join(tmpdir(), "obr-test-"));
const report = join(outDir, "vitest.json");
const vitestArgs = ["run", ...projects.flatMap((p) => ["--project", p])];
vitestArgs.push("--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...extraArgs);
if (slow) {
  const files = tieredFiles();
  console.log(`slow tier: ${files.join(" ")}`);
  vitestArgs.push(...files);
}
const status = run("vitest", vitestArgs, slow ? { ...process.env, OBR_SLOW: "1" } : process.env);
try {
  const r = JSON.parse(readFileSync(report, "utf8")) as { numPassedTests: number; numFailedTests: number; numTotalTests: number };
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  if (status !== 0 && r.numFailedTests === 0) failed++; // a suite that failed to load counts too
} catch {
  failed++;
  console.error("vitest produced no report");
}
rmSync(outDir, { recursive: true, force: true });
console.log(`${slow ? "npm run test:slow" : "npm test"} took ${Math.round((Date.now() - started) / 1000)} s`);
const tally = process.env.OBR_TEST_TALLY;
if (tally) appendFileSync(tally, `${passed} ${failed}\n`);
else console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
