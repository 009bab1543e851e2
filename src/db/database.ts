// Kysely factory: one code path over better-sqlite3 (default, embedded) and pg (PostgreSQL).
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { type CompiledQuery, Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { AppError } from "../domain/app-error.ts";
import { LruCache } from "./lru-cache.ts";
import { ImmediateSqliteDialect } from "./sqlite-immediate.ts";
import type { Tables } from "./tables.ts";
import { WalIndex } from "./wal-index.ts";

export type Dialect = "sqlite" | "postgres";

export interface Database {
  readonly db: Kysely<Tables>;
  readonly dialect: Dialect;
  /** Rows of a compiled read-only query, run outside any transaction. */
  select<R>(query: CompiledQuery<R>): Promise<R[]>;
  /**
   * The same rows at once where the driver is synchronous and no transaction is open (SQLite),
   * else undefined: a caller that can answer in the same tick skips its promise chain.
   */
  selectNow<R>(query: CompiledQuery<R>): R[] | undefined;
  /**
   * A number that changes whenever a commit lands, from any connection of any process, read
   * without a transaction: what selectNow() reads is unchanged while it holds. Undefined where
   * there is no such cheap signal (PostgreSQL, SQLite in memory) or a transaction is open here.
   */
  commitEpoch(): number | undefined;
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
function cachingStatements(handle: SqliteDatabase.Database): { prepare: (source: string) => SqliteDatabase.Statement; database: SqliteDatabase.Database } {
  const cache = new LruCache<string, SqliteDatabase.Statement>(STATEMENT_CACHE_MAX);
  const prepare = (source: string): SqliteDatabase.Statement => {
    let stmt = cache.get(source);
    if (!stmt) {
      stmt = handle.prepare(source);
      cache.set(source, stmt);
    }
    return stmt;
  };
  const database = new Proxy(handle, {
    get(target, prop, receiver) {
      if (prop === "prepare") return prepare;
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { prepare, database };
}

/** The wal-index SQLite keeps beside the file it opened (symbolic links resolved, as database_list names it). */
function openWalIndex(handle: SqliteDatabase.Database): WalIndex | undefined {
  // A first read makes SQLite open the WAL and build the wal-index.
  handle.pragma("schema_version");
  const main = (handle.pragma("database_list") as { name: string; file: string }[]).find((d) => d.name === "main");
  return main?.file ? WalIndex.open(main.file) : undefined;
}

function openSqlite(path: string): Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const handle = new SqliteDatabase(path);
  // WAL for concurrent readers; FULL so an acknowledged commit survives power loss.
  const wal = handle.pragma("journal_mode = WAL", { simple: true }) === "wal";
  handle.pragma("synchronous = FULL");
  handle.pragma("busy_timeout = 10000");
  handle.pragma("foreign_keys = ON");
  const statements = cachingStatements(handle);
  const db = new Kysely<Tables>({ dialect: new ImmediateSqliteDialect({ database: statements.database }) });
  // Kysely queues every query for the one connection, a promise handoff per query that costs more
  // than a point lookup. The queue only matters for reads while a transaction is open (they must
  // wait for its commit); otherwise a read runs at once: better-sqlite3 is synchronous, so no
  // other statement can interleave with it.
  const selectNow = <R>(query: CompiledQuery<R>): R[] | undefined =>
    handle.inTransaction ? undefined : (statements.prepare(query.sql).all(query.parameters as unknown[]) as R[]);
  const select = async <R>(query: CompiledQuery<R>): Promise<R[]> => selectNow(query) ?? (await db.executeQuery(query)).rows;
  const walIndex = wal ? openWalIndex(handle) : undefined;
  const commitEpoch = () => (handle.inTransaction ? undefined : walIndex?.epoch());
  const close = async () => {
    await db.destroy();
    walIndex?.close();
  };
  return { db, dialect: "sqlite", select, selectNow, commitEpoch, close };
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
  return { db, dialect: "postgres", select, selectNow: () => undefined, commitEpoch: () => undefined, close: () => db.destroy() };
}

export async function openDatabase(url: string): Promise<Database> {
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return openPostgres(url);
  if (url.startsWith("sqlite:")) return openSqlite(url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, ""));
  throw AppError.badRequest(`unsupported database URL '${url.replace(/\/\/[^@]*@/, "//***@")}' (use sqlite:<path> or postgres://...)`);
}
