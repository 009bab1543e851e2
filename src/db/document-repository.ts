// One repository for every document collection: rows are (id, customer_id, generation, timestamps,
// doc JSON, promoted columns). Every query is scoped to one customer_id: there is no method that
// can read or write across tenants.
import { type CompiledQuery, type Expression, type Kysely, type RawBuilder, type SqlBool, type Transaction, sql } from "kysely";
import { AppError } from "../domain/app-error.ts";
import type { Database } from "./database.ts";

/** The fields every stored document has (CommonResourceProperties). */
export interface StoredDocument {
  id: string;
  customerId: string;
  generation: number;
  createdAt: string;
  updatedAt: string;
  [key: string]: unknown;
}

export interface CollectionTable {
  table: string;
  /** column -> value derived from the document, rewritten on every write. */
  promoted: Record<string, (doc: StoredDocument) => string | number | null>;
}

export interface ListPlan {
  where?: Expression<SqlBool> | undefined;
  orderBy: ReadonlyArray<Expression<unknown> | RawBuilder<unknown>>;
  offset: number;
  limit: number;
}

/** Restricts a query to documents whose promoted column equals a value (sub-collections). */
export interface Scope {
  column: string;
  value: string;
}

export interface ListPage {
  /** Raw JSON text of each document, in order. */
  docs: string[];
  total: number;
}

const COUNT_CACHE_MAX = 1000;

// biome-ignore lint/suspicious/noExplicitAny: tables are chosen at run time from the definition
type AnyDb = Kysely<any>;

export class DocumentRepository {
  readonly #db: AnyDb;
  readonly #database: Database;
  readonly #table: CollectionTable;
  readonly #docColumn: RawBuilder<string>;
  readonly #counts = new Map<string, { version: number; total: number }>();

  constructor(database: Database, table: CollectionTable) {
    this.#database = database;
    this.#db = database.db as AnyDb;
    this.#table = table;
    // PostgreSQL returns jsonb parsed; reading it as text keeps one representation and lets lists
    // be emitted without a parse/serialise round trip per row.
    this.#docColumn = database.dialect === "postgres" ? sql<string>`doc::text` : sql<string>`doc`;
  }

  get table(): string {
    return this.#table.table;
  }

  async getRaw(customerId: string, id: string, db: AnyDb = this.#db, scope?: Scope, forUpdate = false): Promise<string | undefined> {
    let q = db.selectFrom(this.#table.table).select(this.#docColumn.as("doc")).where("customer_id", "=", customerId).where("id", "=", id);
    if (scope) q = q.where(this.#scopeColumn(scope), "=", scope.value);
    // PostgreSQL: lock the row for a read-modify-write so concurrent writers queue instead of
    // failing; SQLite transactions already run one at a time.
    if (forUpdate && this.#database.dialect === "postgres") q = q.forUpdate();
    const row = await q.executeTakeFirst();
    return row?.doc as string | undefined;
  }

  async get<T extends StoredDocument>(customerId: string, id: string, db: AnyDb = this.#db, forUpdate = false): Promise<T | undefined> {
    const raw = await this.getRaw(customerId, id, db, undefined, forUpdate);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  /** Id of one document whose promoted `column` equals `value` (other than `exceptId`), if any. */
  async findIdBy(customerId: string, column: string, value: string | number, exceptId?: string): Promise<string | undefined> {
    if (!(column in this.#table.promoted)) throw new Error(`${this.#table.table}.${column} is not a promoted column`);
    let q = this.#db.selectFrom(this.#table.table).select("id").where("customer_id", "=", customerId).where(column, "=", value);
    if (exceptId !== undefined) q = q.where("id", "!=", exceptId);
    const row = await q.limit(1).executeTakeFirst();
    return row?.id as string | undefined;
  }

  #notFound(id: string): AppError {
    return AppError.notFound(`${this.#table.table.replaceAll("_", " ")} '${id}' not found`);
  }

  #scopeColumn(scope: Scope): string {
    if (!(scope.column in this.#table.promoted)) throw new Error(`${this.#table.table}.${scope.column} is not a promoted column`);
    return scope.column;
  }

  async list(customerId: string, plan: ListPlan, scope?: Scope): Promise<ListPage> {
    const base = () => {
      let q = this.#db.selectFrom(this.#table.table).where("customer_id", "=", customerId);
      if (scope) q = q.where(this.#scopeColumn(scope), "=", scope.value);
      if (plan.where) q = q.where(plan.where);
      return q;
    };
    let page = base().select(this.#docColumn.as("doc"));
    for (const order of plan.orderBy) page = page.orderBy(order as Expression<unknown>);
    const rows = await page.limit(plan.limit).offset(plan.offset).execute();
    const docs = rows.map((r) => r.doc as string);
    // Skip the count when the page itself proves the total.
    if (docs.length < plan.limit && (docs.length > 0 || plan.offset === 0)) return { docs, total: plan.offset + docs.length };
    return { docs, total: await this.#count(customerId, base().select(sql<number>`count(*)`.as("n"))) };
  }

  /**
   * count(*) of a filter, reused while the tenant's collection version (bumped by triggers on
   * every write, in any process) is unchanged. The version is read before counting, so a write
   * racing the count only makes the cached entry stale-on-arrival, never wrong.
   */
  async #count(customerId: string, query: { compile(): CompiledQuery<{ n: unknown }> }): Promise<number> {
    const row = await this.#db
      .selectFrom("collection_versions")
      .select("version")
      .where("table_name", "=", this.#table.table)
      .where("customer_id", "=", customerId)
      .executeTakeFirst();
    const version = Number(row?.version ?? 0);
    const compiled = query.compile();
    const key = `${customerId}\u0000${compiled.sql}\u0000${JSON.stringify(compiled.parameters)}`;
    const hit = this.#counts.get(key);
    if (hit && hit.version === version) return hit.total;
    const total = Number((await this.#db.executeQuery(compiled)).rows[0]?.n ?? 0);
    if (this.#counts.size >= COUNT_CACHE_MAX) this.#counts.delete(this.#counts.keys().next().value!);
    this.#counts.set(key, { version, total });
    return total;
  }

  #values(doc: StoredDocument): Record<string, unknown> {
    const values: Record<string, unknown> = {
      id: doc.id,
      customer_id: doc.customerId,
      generation: doc.generation,
      created_at: doc.createdAt,
      updated_at: doc.updatedAt,
      doc: this.#database.dialect === "postgres" ? sql`${JSON.stringify(doc)}::jsonb` : JSON.stringify(doc),
    };
    for (const [column, derive] of Object.entries(this.#table.promoted)) values[column] = derive(doc);
    return values;
  }

  async insert(doc: StoredDocument, extra: Record<string, unknown> = {}, db: AnyDb = this.#db): Promise<void> {
    await this.#unique(() => db.insertInto(this.#table.table).values({ ...this.#values(doc), ...extra }).execute());
  }

  /** A unique index refusing a write (e.g. a duplicate name under a race) is the client's 400. */
  async #unique<R>(write: () => Promise<R>): Promise<R> {
    try {
      return await write();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505") {
        throw AppError.badRequest(`a ${this.#table.table.replaceAll("_", " ").replace(/s$/, "")} with the same name already exists`);
      }
      throw err;
    }
  }

  /**
   * Reads, transforms and writes one document in a transaction. `expectedGeneration` (from
   * If-Match) must equal the stored generation or nothing changes (412). The transform returns
   * the next document without bookkeeping; generation and updatedAt are set here.
   */
  async update<T extends StoredDocument>(
    customerId: string,
    id: string,
    expectedGeneration: number | undefined,
    transform: (current: T) => T | Promise<T>,
    outer?: AnyDb,
  ): Promise<T> {
    const work = async (trx: AnyDb) => {
      const current = await this.get<T>(customerId, id, trx, true);
      if (!current) throw this.#notFound(id);
      checkGeneration(current.generation, expectedGeneration);
      const next = await transform(structuredClone(current));
      next.generation = current.generation + 1;
      next.updatedAt = nowIso(current.updatedAt);
      const result = await this.#unique(() =>
        trx
          .updateTable(this.#table.table)
          .set(this.#values(next))
          .where("customer_id", "=", customerId)
          .where("id", "=", id)
          .where("generation", "=", current.generation)
          .executeTakeFirst(),
      );
      // Unreachable while the row is locked (PostgreSQL) or writes are serial (SQLite); kept as
      // the guard that makes a lost update impossible whatever the isolation.
      if (Number(result.numUpdatedRows) !== 1) throw AppError.preconditionFailed(`'${id}' changed concurrently; retry`);
      return next;
    };
    return outer ? work(outer) : this.transaction(work);
  }

  async delete(customerId: string, id: string, expectedGeneration: number | undefined, guard?: (doc: StoredDocument) => void): Promise<void> {
    await this.transaction(async (trx) => {
      const current = await this.get(customerId, id, trx, true);
      if (!current) throw this.#notFound(id);
      checkGeneration(current.generation, expectedGeneration);
      guard?.(current);
      await trx.deleteFrom(this.#table.table).where("customer_id", "=", customerId).where("id", "=", id).execute();
    });
  }

  transaction<R>(work: (trx: Transaction<unknown> & AnyDb) => Promise<R>): Promise<R> {
    return this.#db.transaction().execute((trx) => work(trx as Transaction<unknown> & AnyDb));
  }
}

function checkGeneration(actual: number, expected: number | undefined): void {
  if (expected !== undefined && expected !== actual) {
    throw AppError.preconditionFailed(`generation ${expected} does not match the current generation ${actual}`);
  }
}

/** ISO-8601 with milliseconds, strictly after `previous` so updatedAt never goes backwards or repeats. */
export function nowIso(previous?: string): string {
  let now = Date.now();
  if (previous) now = Math.max(now, Date.parse(previous) + 1);
  return new Date(now).toISOString();
}
