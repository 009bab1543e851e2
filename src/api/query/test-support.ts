// Test fixtures shared by the query tests: a small document collection loaded into a real
// in-memory SQLite database and a throw-away PostgreSQL schema, and a helper running a list
// query end to end. Not a test file itself (no .test.ts suffix).
import Database from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { Type } from "typebox";
import { PG_URL, postgresAdmin } from "../../db/test-databases.ts";
import { parseListQuery } from "./list-query.ts";
import { promotedReader } from "./promoted.ts";
import { attributesFromSchema } from "./schema-attributes.ts";
import type { CollectionQuerySpec, Dialect } from "./types.ts";


export const docSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  state: Type.Union([Type.Literal("OK"), Type.Literal("ERROR"), Type.Literal("WARNING")]),
  generation: Type.Integer(),
  createdAt: Type.String({ format: "date-time" }),
  assigned: Type.Boolean(),
  enabled: Type.Optional(Type.Boolean()),
  sizeInGiB: Type.Optional(Type.Number()),
  description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  expiresAt: Type.Optional(Type.Union([Type.String({ format: "date-time" }), Type.Null()])),
  osInfo: Type.Optional(Type.Object({ name: Type.String(), version: Type.Integer() })),
  tags: Type.Optional(Type.Array(Type.String())),
  protections: Type.Optional(
    Type.Array(
      Type.Object({
        type: Type.String(),
        protectionStoreInfo: Type.Object({ id: Type.String() }),
        schedules: Type.Array(Type.Object({ id: Type.Integer(), recurrence: Type.String() })),
      }),
    ),
  ),
  additionalDetails: Type.Optional(Type.Object({}, { additionalProperties: true })),
});

// osInfo/name is nested: its column is filled by the repository's own reader (promoted.ts).
export const PROMOTED = { name: "name", state: "state", generation: "generation", createdAt: "created_at", assigned: "assigned", "osInfo/name": "os_name" };
const osName = promotedReader(attributesFromSchema(docSchema).get("osInfo/name")!);

export function makeSpec(overrides: Partial<CollectionQuerySpec> = {}): CollectionQuerySpec {
  return {
    attributes: attributesFromSchema(docSchema, PROMOTED),
    filterable: "all",
    sortable: "all-scalars",
    limitDefault: 20,
    limitMax: 1000,
    ...overrides,
  };
}

const prot = (type: string, store: string, schedules: [number, string][]) => ({
  type,
  protectionStoreInfo: { id: store },
  schedules: schedules.map(([id, recurrence]) => ({ id, recurrence })),
});

// d01..d20. Varied on purpose: missing and null values, case and unicode, LIKE wildcards and
// quotes in names, nested arrays.
export const DOCS: Record<string, unknown>[] = [
  { name: "alpha", state: "OK", generation: 1, createdAt: "2024-01-01T00:00:00.000Z", assigned: true, enabled: true, sizeInGiB: 10.5, description: "first", osInfo: { name: "Windows Server 2012", version: 2012 }, tags: ["prod", "db"], protections: [prot("CLOUD_BACKUP", "s1", [[1, "Daily"], [2, "Weekly"]]), prot("SNAPSHOT", "s2", [[3, "Hourly"]])] },
  { name: "Alpha", state: "ERROR", generation: 2, createdAt: "2024-01-02T00:00:00.000Z", assigned: false, enabled: false, sizeInGiB: 20, description: null, osInfo: { name: "Ubuntu", version: 22 }, tags: ["dev"], protections: [prot("SNAPSHOT", "s1", [])] },
  { name: "beta", state: "WARNING", generation: 3, createdAt: "2024-02-01T12:30:00.000Z", assigned: true, sizeInGiB: 0, tags: [], protections: [] },
  { name: "billing-db-1", state: "OK", generation: 10, createdAt: "2024-03-01T00:00:00.000Z", assigned: false, enabled: true, sizeInGiB: -1.25, description: "billing", osInfo: { name: "Windows Server 2019", version: 2019 }, tags: ["prod"], protections: [prot("CLOUD_BACKUP", "s3", [[4, "Monthly"]])] },
  { name: "100%_done", state: "OK", generation: 5, createdAt: "2023-12-31T23:59:59.999Z", assigned: true, description: "has % and _ in name" },
  { name: "O'Brien", state: "ERROR", generation: 6, createdAt: "2024-05-05T05:05:05.005Z", assigned: false, enabled: true, description: 'quote "double"' },
  { name: "gamma delta", state: "OK", generation: 7, createdAt: "2024-06-01T00:00:00.000Z", assigned: true, enabled: false, sizeInGiB: 1e6, tags: ["prod", "test", "db"] },
  { name: "épsilon", state: "WARNING", generation: 8, createdAt: "2024-07-01T00:00:00.000Z", assigned: false, expiresAt: "2025-01-01T00:00:00.000Z" },
  { name: "zeta", state: "OK", generation: 9, createdAt: "2024-08-01T00:00:00.000Z", assigned: true, expiresAt: null, protections: [prot("CLOUD_BACKUP", "s2", [[5, "Daily"]]), prot("CLOUD_BACKUP", "s1", [[6, "Weekly"]])] },
  { name: "eta", state: "ERROR", generation: 0, createdAt: "2024-09-01T00:00:00.000Z", assigned: false, enabled: true, sizeInGiB: 3 },
  { name: "theta", state: "OK", generation: 11, createdAt: "2024-10-01T00:00:00.000Z", assigned: true, tags: ["PROD"] },
  { name: "iota", state: "OK", generation: 12, createdAt: "2024-11-01T00:00:00.000Z", assigned: false, osInfo: { name: "Windows+Server", version: 1 } },
  { name: "kappa", state: "WARNING", generation: 13, createdAt: "2024-12-01T00:00:00.000Z", assigned: true, enabled: false, description: "back\\slash" },
  { name: "lambda", state: "OK", generation: 14, createdAt: "2025-01-01T00:00:00.000Z", assigned: false, sizeInGiB: 100 },
  { name: "mu", state: "ERROR", generation: 15, createdAt: "2025-02-01T00:00:00.000Z", assigned: true, tags: ["db"] },
  { name: "nu", state: "OK", generation: 16, createdAt: "2025-03-01T00:00:00.000Z", assigned: false, additionalDetails: { k: 1 } },
  { name: "xi", state: "OK", generation: 17, createdAt: "2025-04-01T00:00:00.000Z", assigned: true, enabled: true },
  { name: "omicron", state: "WARNING", generation: 18, createdAt: "2025-05-01T00:00:00.000Z", assigned: false },
  { name: "pi", state: "OK", generation: 19, createdAt: "2025-06-01T00:00:00.000Z", assigned: true, sizeInGiB: 2.5 },
  { name: "rho", state: "OK", generation: 20, createdAt: "2025-07-01T00:00:00.000Z", assigned: false, description: "" },
].map((d, i) => ({ id: `d${String(i + 1).padStart(2, "0")}`, ...d }));

export interface TestSchema {
  docs: {
    id: string;
    customer_id: string;
    doc: unknown;
    name: string | null;
    state: string | null;
    generation: number | null;
    created_at: string | null;
    assigned: number | boolean | null;
    os_name: string | null;
  };
}

export interface TestDb {
  dialect: Dialect;
  db: Kysely<TestSchema>;
  /** The underlying better-sqlite3 handle (SQLite only), for synchronous execution. */
  sqlite?: Database.Database;
  close(): Promise<void>;
}

const text = (v: unknown): string | null => (typeof v === "string" ? v : null);

// Promoted columns mirror the document; a wrong-typed value is simply not mirrored.
const row = (d: Record<string, unknown>, dialect: Dialect): TestSchema["docs"] => ({
  id: String(d["id"]),
  customer_id: "c1",
  doc: JSON.stringify(d),
  name: text(d["name"]),
  state: text(d["state"]),
  generation: typeof d["generation"] === "number" ? d["generation"] : null,
  created_at: text(d["createdAt"]),
  assigned: typeof d["assigned"] !== "boolean" ? null : dialect === "postgres" ? d["assigned"] : Number(d["assigned"]),
  os_name: text(osName(d)),
});

export async function openSqlite(docs = DOCS): Promise<TestDb> {
  const sqlite = new Database(":memory:");
  const db = new Kysely<TestSchema>({ dialect: new SqliteDialect({ database: sqlite }) });
  await sql`CREATE TABLE docs (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, doc TEXT NOT NULL,
    name TEXT, state TEXT, generation INTEGER, created_at TEXT, assigned INTEGER, os_name TEXT)`.execute(db);
  await db.insertInto("docs").values(docs.map((d) => row(d, "sqlite"))).execute();
  return { dialect: "sqlite", db, sqlite, close: () => db.destroy() };
}

/** A PostgreSQL database in a fresh schema, or undefined (with a message) when unreachable outside CI. */
export async function openPostgres(docs = DOCS): Promise<TestDb | undefined> {
  const schema = `obr_query_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = await postgresAdmin();
  if (!admin) return undefined;
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: PG_URL, max: 4, options: `-c search_path=${schema}` });
  const db = new Kysely<TestSchema>({ dialect: new PostgresDialect({ pool }) });
  await sql`CREATE TABLE docs (id text PRIMARY KEY, customer_id text NOT NULL, doc jsonb NOT NULL,
    name text, state text, generation bigint, created_at text, assigned boolean, os_name text collate "C")`.execute(db);
  await db.insertInto("docs").values(docs.map((d) => row(d, "postgres"))).execute();
  return {
    dialect: "postgres",
    db,
    close: async () => {
      await sql`DROP SCHEMA ${sql.id(schema)} CASCADE`.execute(db);
      await db.destroy();
    },
  };
}

/** Runs a list query end to end; returns ids in result order (all matches when no limit given). */
export async function queryIds(t: TestDb, raw: Record<string, unknown>, spec = makeSpec()): Promise<string[]> {
  const rows = await queryDocs(t, raw, spec);
  return rows.map((r) => r["id"] as string);
}

export async function queryDocs(t: TestDb, raw: Record<string, unknown>, spec = makeSpec()): Promise<Record<string, unknown>[]> {
  const q = parseListQuery({ limit: "1000", ...raw }, spec, t.dialect);
  let qb = t.db.selectFrom("docs").select(["id", "doc"]);
  if (q.where !== undefined) qb = qb.where(q.where);
  for (const o of q.orderBy) qb = qb.orderBy(o);
  const rows = await qb.limit(q.limit).offset(q.offset).execute();
  return rows.map((r) => {
    const doc = (typeof r.doc === "string" ? JSON.parse(r.doc) : r.doc) as Record<string, unknown>;
    return (q.project ? q.project(doc) : doc) as Record<string, unknown>;
  });
}

/** ids(1, 3) → ['d01', 'd03'] */
export const ids = (...n: number[]): string[] => n.map((i) => `d${String(i).padStart(2, "0")}`);

/** All fixture ids except the given numbers, in id order. */
export const allBut = (...n: number[]): string[] =>
  DOCS.map((d) => d["id"] as string).filter((id) => !ids(...n).includes(id));

/** Opens SQLite and, when reachable, PostgreSQL; the test files run every case on each. */
export async function openAll(): Promise<TestDb[]> {
  const pgDb = await openPostgres();
  return pgDb === undefined ? [await openSqlite()] : [await openSqlite(), pgDb];
}
