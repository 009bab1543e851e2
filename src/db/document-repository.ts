// One repository for every document collection: rows are (id, customer_id, generation, timestamps,
// doc JSON, promoted columns). Every query is scoped to one customer_id: there is no method that
// can read or write across tenants. In a table shared by several collections, every query is also
// scoped to the collection's discriminator value.
import { type CompiledQuery, type Expression, type Kysely, type RawBuilder, type WhereInterface, sql } from "kysely";
import { AppError } from "../domain/app-error.ts";
import { type Clock, nowIso, systemClock } from "../domain/clock.ts";
import type { DocumentRepository as DocumentRepositoryPort, ListPage, ListPlan, Scope, StoredDocument, UnitOfWork } from "../services/ports/documents.ts";
import { constraintError, type RefusedWrite } from "./constraint-errors.ts";
import type { Database } from "./database.ts";
import type { ForeignKeySide } from "./foreign-keys.ts";
import { LruCache } from "./lru-cache.ts";
import { compileTemplate, type QueryTemplate } from "./query-template.ts";

export type { ListPage, ListPlan, Scope, StoredDocument } from "../services/ports/documents.ts";

export interface CollectionTable {
  table: string;
  /** column -> value derived from the document, rewritten on every write. */
  promoted: Record<string, (doc: StoredDocument) => string | number | null>;
  /**
   * In a table shared by several collections, this collection's rows are those whose `column`
   * holds `value`: every read filters on it and every write sets it.
   */
  discriminator?: { column: string; value: string } | undefined;
  /** Promoted columns under a foreign key (see foreign-keys.ts): column -> target table and what its row is called. */
  references?: Readonly<Record<string, { table: string; relation: string }>> | undefined;
  /** A sub-collection's parent column: every list is scoped by it, so indexes lead with (customer_id, it). */
  scopeColumn?: string | undefined;
  /** Reference columns of other tables naming this table's rows, with what those rows are called. */
  referencedBy?: readonly ForeignKeySide[] | undefined;
}

const COUNT_CACHE_MAX = 1000;
const PAGE_CACHE_MAX = 256;
/** Characters of document text the page cache of one collection may hold (a 1000-item page fits). */
const PAGE_CACHE_CHARS = 2_000_000;

const DOC_CACHE_MAX = 4096;
/** Characters of document text the get cache of one collection may hold. */
const DOC_CACHE_CHARS = 2_000_000;

// biome-ignore lint/suspicious/noExplicitAny: tables are chosen at run time from the definition
type AnyDb = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: as above
type AnyTables = any;

type GetTemplate = QueryTemplate<{ doc: string }, "customer" | "id" | "scope">;
type ListSlot = "customer" | "scope" | "limit" | "offset";

/** A list plan's compiled page query (and count query, once needed) for one scope column. */
interface ListTemplates {
  where: ListPlan["where"];
  scopeColumn: string | undefined;
  page: QueryTemplate<{ doc: string }, ListSlot>;
  count?: QueryTemplate<{ n: number }, ListSlot>;
}

export class DocumentRepository implements DocumentRepositoryPort {
  readonly clock: Clock;
  readonly #db: AnyDb;
  readonly #database: Database;
  readonly #table: CollectionTable;
  readonly #docColumn: RawBuilder<string>;
  readonly #counts = new LruCache<string, { version: number; total: number }>(COUNT_CACHE_MAX);
  /** Full list pages by query, see list(). */
  readonly #pages = new LruCache<string, { version?: number; page?: ListPage }>(PAGE_CACHE_MAX, {
    maxWeight: PAGE_CACHE_CHARS,
    weigh: (entry) => entry.page?.docs.reduce((n, doc) => n + doc.length, 0) ?? 0,
  });
  /** Documents by tenant and id, see getRawNow(). */
  readonly #docs = new LruCache<string, { epoch: number; doc: string }>(DOC_CACHE_MAX, { maxWeight: DOC_CACHE_CHARS, weigh: (entry) => entry.doc.length });
  /** Get-by-id queries by scope column and lock mode: a handful per table. */
  readonly #gets = new Map<string, GetTemplate>();
  /**
   * List queries by the plan's orderBy array: plans from the API's list-query cache keep that
   * array (and their where) from request to request, so each distinct query compiles once.
   */
  readonly #lists = new WeakMap<ListPlan["orderBy"], ListTemplates>();
  readonly #version: QueryTemplate<{ version: number }, "customer">;

  constructor(database: Database, table: CollectionTable, clock: Clock = systemClock) {
    this.clock = clock;
    this.#database = database;
    this.#db = database.db as AnyDb;
    this.#table = table;
    // PostgreSQL returns jsonb parsed; reading it as text keeps one representation and lets lists
    // be emitted without a parse/serialise round trip per row.
    this.#docColumn = database.dialect === "postgres" ? sql<string>`doc::text` : sql<string>`doc`;
    this.#version = compileTemplate(["customer"], (s) =>
      this.#db.selectFrom("collection_versions").select("version").where("table_name", "=", table.table).where("customer_id", "=", s.customer),
    );
  }

  get table(): string {
    return this.#table.table;
  }

  async getRaw(customerId: string, id: string, db: AnyDb = this.#db, scope?: Scope, forUpdate = false): Promise<string | undefined> {
    // PostgreSQL: lock the row for a read-modify-write so concurrent writers queue instead of
    // failing; SQLite transactions already run one at a time.
    const rows = await this.#select(db, this.#getQuery(customerId, id, scope, forUpdate && this.#database.dialect === "postgres"));
    return rows[0]?.doc;
  }

  /**
   * getRaw() outside any transaction, answered in the same tick where the database can (SQLite
   * with no transaction open): the document text, null when there is none, undefined when only
   * getRaw() can tell. A document read is kept and served again while nothing at all has been
   * committed since (the commit epoch, read before the row, so a racing commit only makes the
   * entry stale on arrival): clients poll the same operation, and checking the epoch costs a
   * fraction of the read. The key holds the tenant, so an entry never answers another tenant.
   */
  getRawNow(customerId: string, id: string, scope?: Scope): string | null | undefined {
    const epoch = this.#database.commitEpoch();
    const key = epoch === undefined ? undefined : docKey(customerId, id, scope);
    const hit = key === undefined ? undefined : this.#docs.get(key);
    if (hit !== undefined && hit.epoch === epoch) return hit.doc;
    const rows = this.#database.selectNow(this.#getQuery(customerId, id, scope, false));
    if (rows === undefined) return undefined;
    const doc = rows[0]?.doc;
    if (key !== undefined) {
      if (doc === undefined) this.#docs.delete(key);
      else this.#docs.set(key, { epoch: epoch!, doc });
    }
    return doc ?? null;
  }

  #getQuery(customerId: string, id: string, scope: Scope | undefined, lock: boolean): CompiledQuery<{ doc: string }> {
    return this.#getTemplate(scope, lock).bind({ customer: customerId, id, scope: scope?.value });
  }

  #getTemplate(scope: Scope | undefined, lock: boolean): GetTemplate {
    const scopeColumn = scope ? this.#scopeColumn(scope) : undefined;
    const key = `${scopeColumn ?? ""}${lock ? " for update" : ""}`;
    let template = this.#gets.get(key);
    if (!template) {
      template = compileTemplate(scopeColumn ? ["customer", "id", "scope"] : ["customer", "id"], (s) => {
        let q = this.#own(this.#db.selectFrom(this.#table.table).select(this.#docColumn.as("doc")).where("customer_id", "=", s.customer).where("id", "=", s.id));
        if (scopeColumn) q = q.where(scopeColumn, "=", s.scope);
        return lock ? q.forUpdate() : q;
      });
      this.#gets.set(key, template);
    }
    return template;
  }

  /** Reads through the caller's transaction when given one, else outside any transaction. */
  #select<R>(db: AnyDb, query: CompiledQuery<R>): Promise<R[]> {
    return db === this.#db ? this.#database.select(query) : db.executeQuery(query).then((r) => r.rows);
  }

  async get<T extends StoredDocument>(customerId: string, id: string, db: AnyDb = this.#db, forUpdate = false): Promise<T | undefined> {
    const raw = await this.getRaw(customerId, id, db, undefined, forUpdate);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  /** Id of one document whose promoted `column` equals `value` (other than `exceptId`), if any. */
  async findIdBy(customerId: string, column: string, value: string | number, exceptId?: string, uow: AnyDb = this.#db): Promise<string | undefined> {
    if (!(column in this.#table.promoted)) throw new Error(`${this.#table.table}.${column} is not a promoted column`);
    let q = this.#own(uow.selectFrom(this.#table.table).select("id").where("customer_id", "=", customerId).where(column, "=", value));
    if (exceptId !== undefined) q = q.where("id", "!=", exceptId);
    const row = await q.limit(1).executeTakeFirst();
    return row?.id as string | undefined;
  }

  /** Restricts a query to this collection's rows of a shared table; unchanged for a table of its own. */
  #own<Q extends WhereInterface<AnyTables, string>>(q: Q): Q {
    const d = this.#table.discriminator;
    return d ? (q.where(d.column, "=", d.value) as Q) : q;
  }

  #notFound(id: string): AppError {
    return AppError.notFound(`${this.#table.table.replaceAll("_", " ")} '${id}' not found`);
  }

  #scopeColumn(scope: Scope): string {
    if (!(scope.column in this.#table.promoted)) throw new Error(`${this.#table.table}.${scope.column} is not a promoted column`);
    return scope.column;
  }

  /**
   * One page and the total. A full page (one that needs a count) is kept and served again while
   * the tenant's collection version is unchanged, like the total: clients poll the same page.
   * Only a version read before the page query may vouch for it, so the first full page of a query
   * is only noted, and the next request reads the version first.
   */
  async list(customerId: string, plan: ListPlan, scope?: Scope, uow?: AnyDb): Promise<ListPage> {
    const templates = this.#listTemplates(plan, scope);
    const values = { customer: customerId, scope: scope?.value, limit: plan.limit, offset: plan.offset };
    const query = templates.page.bind(values);
    if (uow) return this.#listIn(uow, plan, scope, templates, values);
    const key = queryKey(query);
    const seen = this.#pages.get(key);
    const version = seen ? await this.#readVersion(customerId) : undefined;
    if (seen?.page && seen.version === version) return seen.page;
    const docs = (await this.#database.select(query)).map((r) => r.doc);
    // Skip the count when the page itself proves the total.
    if (docs.length < plan.limit && (docs.length > 0 || plan.offset === 0)) {
      if (seen) this.#pages.delete(key);
      return { docs, total: plan.offset + docs.length };
    }
    templates.count ??= compileTemplate(this.#scopeSlots(scope), (s) => this.#listBase(plan, scope, s).select(sql<number>`count(*)`.as("n")));
    const page: ListPage = Object.freeze({ docs: Object.freeze(docs), total: await this.#count(customerId, templates.count.bind(values), version) });
    this.#pages.set(key, version === undefined ? {} : { version, page });
    return page;
  }

  /** list() inside a unit of work: what that transaction sees, so nothing is cached or served from a cache. */
  async #listIn(uow: AnyDb, plan: ListPlan, scope: Scope | undefined, templates: ListTemplates, values: Record<ListSlot, unknown>): Promise<ListPage> {
    const docs = (await uow.executeQuery(templates.page.bind(values))).rows.map((r) => r.doc);
    if (docs.length < plan.limit && (docs.length > 0 || plan.offset === 0)) return { docs, total: plan.offset + docs.length };
    templates.count ??= compileTemplate(this.#scopeSlots(scope), (s) => this.#listBase(plan, scope, s).select(sql<number>`count(*)`.as("n")));
    const [row] = (await uow.executeQuery(templates.count.bind(values))).rows;
    return { docs, total: Number(row?.n ?? 0) };
  }

  /** The page query list() runs for a plan, with its values: for EXPLAIN (bench:api, plan tests). */
  pageQuery(customerId: string, plan: ListPlan, scope?: Scope): CompiledQuery<{ doc: string }> {
    return this.#listTemplates(plan, scope).page.bind({ customer: customerId, scope: scope?.value, limit: plan.limit, offset: plan.offset });
  }

  #listTemplates(plan: ListPlan, scope: Scope | undefined): ListTemplates {
    const scopeColumn = scope ? this.#scopeColumn(scope) : undefined;
    const cached = this.#lists.get(plan.orderBy);
    if (cached && cached.where === plan.where && cached.scopeColumn === scopeColumn) return cached;
    const page = compileTemplate([...this.#scopeSlots(scope), "limit", "offset"], (s) => {
      let q = this.#listBase(plan, scope, s).select(this.#docColumn.as("doc"));
      for (const order of plan.orderBy) q = q.orderBy(order as Expression<unknown>);
      return q.limit(s.limit).offset(s.offset);
    });
    const templates: ListTemplates = { where: plan.where, scopeColumn, page };
    this.#lists.set(plan.orderBy, templates);
    return templates;
  }

  #scopeSlots(scope: Scope | undefined): ListSlot[] {
    return scope ? ["customer", "scope"] : ["customer"];
  }

  #listBase(plan: ListPlan, scope: Scope | undefined, s: { customer: never; scope: never }) {
    let q = this.#own(this.#db.selectFrom(this.#table.table).where("customer_id", "=", s.customer));
    if (scope) q = q.where(this.#scopeColumn(scope), "=", s.scope);
    if (plan.where) q = q.where(plan.where);
    return q;
  }

  /**
   * count(*) of a filter, reused while the tenant's collection version (bumped by triggers on
   * every write, in any process) is unchanged. The version is read before counting (by the
   * caller, or here), so a write racing the count only makes the cached entry stale-on-arrival,
   * never wrong.
   */
  async #count(customerId: string, query: CompiledQuery<{ n: number }>, versionBefore?: number): Promise<number> {
    const version = versionBefore ?? (await this.#readVersion(customerId));
    const key = queryKey(query);
    const hit = this.#counts.get(key);
    if (hit && hit.version === version) return hit.total;
    const [counted] = await this.#database.select(query);
    const total = Number(counted?.n ?? 0);
    this.#counts.set(key, { version, total });
    return total;
  }

  async #readVersion(customerId: string): Promise<number> {
    const [row] = await this.#database.select(this.#version.bind({ customer: customerId }));
    return Number(row?.version ?? 0);
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
    const d = this.#table.discriminator;
    if (d) values[d.column] = d.value;
    return values;
  }

  async insert(doc: StoredDocument, extra: Record<string, unknown> = {}, db: AnyDb = this.#db): Promise<void> {
    const values = { ...this.#values(doc), ...extra };
    await this.#checked(db, { kind: "write", customerId: doc.customerId, values }, () => db.insertInto(this.#table.table).values(values).execute());
  }

  /**
   * insert() that writes nothing when a unique index already holds one of the row's keys (a job
   * key of the queue); false then. One statement, so it never aborts the caller's transaction.
   */
  async insertIfAbsent(doc: StoredDocument, extra: Record<string, unknown> = {}, db: AnyDb = this.#db): Promise<boolean> {
    const values = { ...this.#values(doc), ...extra };
    const r = await this.#checked(db, { kind: "write", customerId: doc.customerId, values }, () =>
      db.insertInto(this.#table.table).values(values).onConflict((oc) => oc.doNothing()).executeTakeFirst(),
    );
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  /**
   * Runs a write, turning a constraint the database refused into the client's 409: a unique index
   * (a duplicate name under a race) or a foreign key (constraint-errors.ts).
   */
  async #checked<R>(db: AnyDb, refused: RefusedWrite, write: () => Promise<R>): Promise<R> {
    try {
      return await write();
    } catch (err) {
      throw await constraintError(err, this.#table, refused, db);
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
      next.updatedAt = nowIso(this.clock, current.updatedAt);
      const values = this.#values(next);
      const result = await this.#checked(trx, { kind: "write", customerId, values }, () =>
        this.#own(trx.updateTable(this.#table.table).set(values).where("customer_id", "=", customerId).where("id", "=", id))
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

  /**
   * Deletes one document in a transaction (the caller's `uow`, or one of its own). `guard` sees
   * the locked document and may read other tables through the same transaction; what it throws
   * refuses the delete, so a check and the delete it allows cannot be split by another writer.
   */
  async delete<T extends StoredDocument = StoredDocument>(
    customerId: string,
    id: string,
    expectedGeneration: number | undefined,
    guard?: (doc: T, uow: UnitOfWork) => void | Promise<void>,
    uow?: UnitOfWork,
  ): Promise<void> {
    const work = async (trx: UnitOfWork) => {
      const current = await this.get<T>(customerId, id, trx, true);
      if (!current) throw this.#notFound(id);
      checkGeneration(current.generation, expectedGeneration);
      await guard?.(current, trx);
      await this.#checked(trx, { kind: "delete", customerId, id }, () =>
        this.#own(trx.deleteFrom(this.#table.table).where("customer_id", "=", customerId).where("id", "=", id)).execute(),
      );
    };
    await (uow ? work(uow) : this.transaction(work));
  }

  transaction<R>(work: (trx: UnitOfWork) => Promise<R>): Promise<R> {
    return this.#db.transaction().execute((trx) => work(trx as UnitOfWork));
  }
}

/**
 * Identifies one document of one tenant (and of one parent, for sub-collections). The id comes
 * from the URL and may hold any character: its length keeps it apart from what follows.
 */
function docKey(customerId: string, id: string, scope: Scope | undefined): string {
  const key = `${customerId}\u0000${id.length}\u0000${id}`;
  return scope ? `${key}\u0000${scope.column}\u0000${scope.value}` : key;
}

/** Identifies a compiled query with its values (the tenant among them). */
function queryKey(query: CompiledQuery): string {
  return `${query.sql}\u0000${JSON.stringify(query.parameters)}`;
}

function checkGeneration(actual: number, expected: number | undefined): void {
  if (expected !== undefined && expected !== actual) {
    throw AppError.preconditionFailed(`generation ${expected} does not match the current generation ${actual}`);
  }
}
