import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { WalIndex } from "./wal-index.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function database(journalMode: string): { path: string; db: SqliteDatabase.Database } {
  const dir = mkdtempSync(join(tmpdir(), "obr-wal-index-"));
  dirs.push(dir);
  const path = join(dir, "db.sqlite");
  const db = new SqliteDatabase(path);
  db.pragma(`journal_mode = ${journalMode}`);
  db.exec("create table t (x integer)");
  return { path, db };
}

describe("WalIndex", () => {
  it("keeps its epoch while nothing commits and moves it on every commit, from any connection", () => {
    const { path, db } = database("WAL");
    const index = WalIndex.open(path)!;
    const start = index.epoch();
    expect(start).toBeTypeOf("number");
    const reader = new SqliteDatabase(path);
    reader.prepare("select count(*) from t").get();
    db.prepare("select count(*) from t").get();
    expect(index.epoch()).toBe(start);

    db.exec("insert into t values (1)");
    const afterOwn = index.epoch();
    expect(afterOwn).not.toBe(start);
    expect(index.epoch()).toBe(afterOwn);

    reader.exec("update t set x = 2");
    expect(index.epoch()).not.toBe(afterOwn);

    const beforeEmpty = index.epoch();
    db.exec("begin; commit"); // nothing written: nothing to see
    expect(index.epoch()).toBe(beforeEmpty);

    db.pragma("wal_checkpoint(TRUNCATE)");
    const afterCheckpoint = index.epoch();
    db.exec("insert into t values (3)"); // the WAL restarts from its first frame
    expect(index.epoch()).not.toBe(afterCheckpoint);
    reader.close();
    db.close();
    index.close();
  });

  it("is not there for a database outside WAL mode", () => {
    const { path, db } = database("DELETE");
    expect(WalIndex.open(path)).toBeUndefined();
    db.close();
  });
});
