// Test fixture (not a test itself): the databases a storage test runs on, each freshly migrated:
// SQLite in memory, and PostgreSQL in a throw-away schema when reachable (required in CI).
import type { Kysely } from "kysely";
import pg from "pg";
import { type Database, openDatabase } from "./database.ts";
import { migrate } from "./migrate.ts";

export const PG_URL = process.env["OBR_TEST_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** The untyped view migrations take, for tests that create their own tables. */
export const untyped = (database: Database): Kysely<unknown> => database.db as unknown as Kysely<unknown>;

export interface TestDatabase {
  database: Database;
  close(): Promise<void>;
}

/** A connected admin client of the test PostgreSQL; undefined (with a message) when unreachable outside CI. */
export async function postgresAdmin(): Promise<pg.Client | undefined> {
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
    return admin;
  } catch (err) {
    if (process.env["CI"] === "true") throw err;
    console.warn(`PostgreSQL at ${PG_URL} unreachable, skipping the PostgreSQL half: ${String(err)}`);
    return undefined;
  }
}

async function postgres(): Promise<TestDatabase | undefined> {
  const admin = await postgresAdmin();
  if (!admin) return undefined;
  const schema = `obr_storage_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const database = await openDatabase(`${PG_URL}${PG_URL.includes("?") ? "&" : "?"}schema=${schema}`);
  await migrate(database);
  return {
    database,
    async close() {
      await database.close();
      await admin.query(`drop schema if exists "${schema}" cascade`);
      await admin.end();
    },
  };
}

export async function testDatabases(): Promise<TestDatabase[]> {
  const sqlite = await openDatabase("sqlite::memory:");
  await migrate(sqlite);
  const pgDb = await postgres();
  return [{ database: sqlite, close: () => sqlite.close() }, ...(pgDb ? [pgDb] : [])];
}
