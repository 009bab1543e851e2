// Kysely factory: one code path over better-sqlite3 (default, embedded) and pg (PostgreSQL).
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { type CompiledQuery, Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { AppError } from "../domain/app-error.ts";
import { LruCache } from "./lru-cache.ts";
import type { Tables } from "./tables.ts";

export type Dialect = "sqlite" | "postgres";

export interface Database {
  readonly db: Kysely<Tables>;
  readonly dialect: Dialect;
  /** Rows of a compiled read-only query, run outside any transaction. */
  select<R>(query: CompiledQuery<R>): Promise<R[]>;
  close(): Promise<void>;
}

// int8 (20) arrives as a string by default; our int64 values (generation, epoch ms) fit in a double.
const pgTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as "text");
  },
};

const STATEMENT_CACHE_MAX = 500;

/**
 * Kysely prepares every query anew; better-sqlite3 statements can be reused, and preparing costs
 * more than running a point lookup. Queries are compiled from a bounded set of shapes (values are
 * parameters), so a small cache keyed by SQL text holds them all.
 */
function cachingStatements(handle: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new LruCache<string, SqliteDatabase.Statement>(STATEMENT_CACHE_MAX);
  const prepare = (source: string): SqliteDatabase.Statement => {
    let stmt = cache.get(source);
    if (!stmt) {
      stmt = handle.prepare(source);
      cache.set(source, stmt);
    }
    return stmt;
  };
  return new Proxy(handle, {
    get(target, prop, receiver) {
      if (prop === "prepare") return prepare;
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function openSqlite(path: string): Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const handle = new SqliteDatabase(path);
  // WAL for concurrent readers; FULL so an acknowledged commit survives power loss.
  handle.pragma("journal_mode = WAL");
  handle.pragma("synchronous = FULL");
  handle.pragma("busy_timeout = 10000");
  handle.pragma("foreign_keys = ON");
  const statements = cachingStatements(handle);
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: statements }) });
  // Kysely queues every query for the one connection, a promise handoff per query that costs more
  // than a point lookup. The queue only matters for reads while a transaction is open (they must
  // wait for its commit); otherwise a read runs at once: better-sqlite3 is synchronous, so no
  // other statement can interleave with it.
  const select = async <R>(query: CompiledQuery<R>): Promise<R[]> =>
    handle.inTransaction ? (await db.executeQuery(query)).rows : (statements.prepare(query.sql).all(query.parameters as unknown[]) as R[]);
  return { db, dialect: "sqlite", select, close: () => db.destroy() };
}

async function openPostgres(url: string): Promise<Database> {
  const parsed = new URL(url);
  // ?schema=name isolates one obr installation (or one test run) inside a shared database.
  const schema = parsed.searchParams.get("schema");
  parsed.searchParams.delete("schema");
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw AppError.badRequest(`invalid schema name '${schema}'`);
  if (schema) {
    const admin = new pg.Client({ connectionString: parsed.toString() });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: 10,
    types: pgTypes,
    ...(schema ? { options: `-c search_path="${schema}"` } : {}),
  });
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  await sql`select 1`.execute(db);
  const select = async <R>(query: CompiledQuery<R>): Promise<R[]> => (await db.executeQuery(query)).rows;
  return { db, dialect: "postgres", select, close: () => db.destroy() };
}

export async function openDatabase(url: string): Promise<Database> {
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return openPostgres(url);
  if (url.startsWith("sqlite:")) return openSqlite(url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, ""));
  throw AppError.badRequest(`unsupported database URL '${url.replace(/\/\/[^@]*@/, "//***@")}' (use sqlite:<path> or postgres://...)`);
}
