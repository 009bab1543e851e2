// The port through which services read and write document collections (src/db/document-repository.ts
// implements it; container.ts builds one per collection). Every call is scoped to one tenant, and
// each takes the unit of work to run in (a transaction from transaction()), or runs on its own.
import type { Expression, Kysely, RawBuilder, SqlBool, Transaction } from "kysely";
import type { Clock } from "../../domain/clock.ts";

/** The fields every stored document has (CommonResourceProperties). */
export interface StoredDocument {
  id: string;
  customerId: string;
  generation: number;
  createdAt: string;
  updatedAt: string;
  [key: string]: unknown;
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
  docs: readonly string[];
  total: number;
}

/** Where a call runs: the database itself, or a unit of work. */
// biome-ignore lint/suspicious/noExplicitAny: tables are chosen at run time from the definition
export type Executor = Kysely<any>;

/** The transaction every write of one use case goes through. */
export type UnitOfWork = Transaction<unknown> & Executor;

export interface DocumentRepository {
  /** The table the collection lives in. */
  readonly table: string;
  /** The clock that stamps this collection's createdAt and updatedAt (the control plane's one clock). */
  readonly clock: Clock;
  getRaw(customerId: string, id: string, db?: Executor, scope?: Scope, forUpdate?: boolean): Promise<string | undefined>;
  get<T extends StoredDocument>(customerId: string, id: string, db?: Executor, forUpdate?: boolean): Promise<T | undefined>;
  /** The id of the tenant's document whose promoted `column` holds `value` (other than `exceptId`). */
  findIdBy(customerId: string, column: string, value: string | number, exceptId?: string, uow?: Executor): Promise<string | undefined>;
  list(customerId: string, plan: ListPlan, scope?: Scope, uow?: Executor): Promise<ListPage>;
  insert(doc: StoredDocument, extra?: Record<string, unknown>, db?: Executor): Promise<void>;
  /** insert() that writes nothing (false) when a unique index already holds one of the row's keys. */
  insertIfAbsent(doc: StoredDocument, extra?: Record<string, unknown>, db?: Executor): Promise<boolean>;
  /**
   * Reads, transforms and writes one document; `expectedGeneration` (If-Match) must equal the
   * stored generation or nothing changes (412). Generation and updatedAt are set by the repository.
   */
  update<T extends StoredDocument>(
    customerId: string,
    id: string,
    expectedGeneration: number | undefined,
    transform: (current: T) => T | Promise<T>,
    outer?: Executor,
  ): Promise<T>;
  /** Deletes one document; `guard` may refuse (throw) from inside the delete's unit of work. */
  delete<T extends StoredDocument = StoredDocument>(
    customerId: string,
    id: string,
    expectedGeneration: number | undefined,
    guard?: (doc: T, uow: UnitOfWork) => void | Promise<void>,
    uow?: UnitOfWork,
  ): Promise<void>;
  transaction<R>(work: (trx: UnitOfWork) => Promise<R>): Promise<R>;
}
