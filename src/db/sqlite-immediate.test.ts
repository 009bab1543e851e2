// Two processes on one SQLite file, each reading then writing in its transactions: with BEGIN
// DEFERRED the read takes a snapshot that a commit of the other process makes stale, and the
// upgrade to write fails with SQLITE_BUSY at once (busy_timeout cannot help). BEGIN IMMEDIATE
// takes the write lock first, so the other process waits instead.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { sql } from "kysely";
import { afterAll, expect, test } from "vitest";
import { openDatabase } from "./database.ts";

const run = promisify(execFile);
const ROUNDS = 60;
const dir = await mkdtemp(join(tmpdir(), "obr-immediate-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

test("concurrent read-then-write transactions of two processes all commit, none lost", async () => {
  const file = join(dir, "obr.sqlite");
  const database = await openDatabase(`sqlite:${file}`);
  await sql`create table counter (value integer not null)`.execute(database.db);
  await sql`insert into counter values (0)`.execute(database.db);
  const contender = join(import.meta.dirname, "transaction-contender.ts");
  const children = [0, 1].map(() => run(process.execPath, [contender, file, String(ROUNDS)]).then((r) => r.stdout.trim(), (e: { stdout?: string }) => e.stdout?.trim()));
  expect(await Promise.all(children)).toEqual(["ok", "ok"]);
  const { rows } = await sql<{ value: number }>`select value from counter`.execute(database.db);
  expect(Number(rows[0]?.value)).toBe(2 * ROUNDS);
  await database.close();
}, 60_000);
