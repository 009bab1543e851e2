// The declarative description of one collection. `registerCollection` turns it into routes,
// validation, list behaviour and OpenAPI; services supply only the behaviour that differs.
// Paths are written as the contract writes them (`/virtual-machines/{id}/backups`): the same
// names appear in /openapi.json and in the `params` every handler receives.
import type { TSchema } from "typebox";
import type { Role } from "../../domain/actor.ts";

/** List envelope variants of the contract (conventions.md §3). */
export type EnvelopeKind = "standard" | "page" | "psg";

/** HTTP error statuses an operation documents (endpoints.tsv `error_statuses`). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 412 | 415 | 424 | 429 | 500 | 501 | 503;

export interface ListOptions {
  operationId: string;
  summary: string;
  envelope: EnvelopeKind;
  limitDefault: number;
  limitMax: number;
  limitMin?: number;
  offsetMax?: number;
  /** Attributes (a/b paths) allowed in filter; "all" allows every attribute of the schema. */
  filterable: readonly string[] | "all";
  /** Sortable attributes; default every scalar attribute not inside an array. */
  sortable?: readonly string[];
  errors?: readonly ErrorStatus[];
  /** compat: path parameter names this operation's contract entry spells differently ({uuid}). */
  documentParams?: Readonly<Record<string, string>>;
}

export interface GetOptions {
  operationId: string;
  summary: string;
  errors?: readonly ErrorStatus[];
}

export interface OperationOptions {
  operationId: string;
  summary: string;
  /** Request body schema (writes and actions); handlers receive its static type. */
  body?: TSchema;
  /** Query-string schema beyond the defaults (e.g. `force` on deletes). */
  query?: TSchema;
  /** Success status: 200/201 return `response` (default the resource), 202 `{}`, 204 nothing. */
  status: 200 | 201 | 202 | 204;
  /** What a 200/201 returns when it is not the resource (pre-checks, sizers, generated secrets). */
  response?: TSchema;
  /** Error statuses the contract documents for this operation. */
  errors?: readonly ErrorStatus[];
  minRole?: Role;
  /**
   * The operation's full path when it lives under another API base than the collection (the BR
   * `/backup-recovery/v1beta1/virtual-machines/{id}/restore` on a virtualization VM). For item
   * operations the last `{param}` names the item; the table and scoping stay the collection's.
   */
  path?: string;
  /** OpenAPI tag when it differs from the collection's (the API the operation belongs to). */
  tag?: string;
}

/**
 * An operation with typed views of its validated body and query (built by `operation()` and its
 * siblings in operation.ts): handlers receive `Static<typeof Schema>` through these.
 */
export interface Operation<TBody = unknown, TQuery = unknown> extends OperationOptions {
  readonly read: { body(value: unknown): TBody; query(value: unknown): TQuery };
}

/** A sub-collection's parent: reads and writes are scoped to it; a missing parent is a 404. */
export interface ParentOptions {
  /** The parent's path parameter in `path`, e.g. "hypervisor-id". */
  param: string;
  /** Promoted column holding the parent's id. */
  column: string;
  /** The parent's collection (definition name), checked to exist in the caller's workspace. */
  collection: string;
  /** How messages name the parent ("hypervisor manager"). */
  what: string;
}

export interface CollectionDefinition {
  /** Collection name as in the URL, e.g. "protection-policies". */
  name: string;
  /** Absolute base path, e.g. "/backup-recovery/v1beta1/protection-policies". */
  path: string;
  /** Path parameter name of the item id, as the contract spells it ("id", "host-id"...). */
  idParam: string;
  /** OpenAPI tag. */
  tag: string;
  /** The resource schema (what GET returns). */
  schema: TSchema;
  /** Sub-collections (e.g. /hypervisor-managers/{hypervisor-id}/folders). */
  parent?: ParentOptions;
  /** Table holding the documents; several definitions may share one (see `discriminator`). */
  table: string;
  /**
   * column -> attribute path ("name", "hypervisorManagerInfo/id"): the column mirrors the value
   * (NULL where absent) on every write, and filters and sorts on the path use the column, so
   * its indexes. The server refuses to start when a column is missing from the table.
   */
  promoted: Readonly<Record<string, string>>;
  /** Tells this collection's rows apart in a shared table: added to every read and write. */
  discriminator?: Discriminator;
  /** Promoted columns that hold another table's id under a foreign key (see `Reference`). */
  references?: Readonly<Record<string, Reference>>;
  list?: ListOptions;
  get?: GetOptions;
  create?: Operation;
  update?: Operation;
  replace?: Operation;
  remove?: Operation;
  /** POST {path}/{id}/{action} */
  actions?: Readonly<Record<string, Operation>>;
  /** POST {path}/{action} (collection-level actions). */
  collectionActions?: Readonly<Record<string, Operation>>;
}

/** A fixed column value, e.g. `{ column: "asset_type", value: "virtual-machine" }`. */
export interface Discriminator {
  column: string;
  value: string;
}

/**
 * A reference column: (customer_id, column) -> (customer_id, id) of `table`, declared by the
 * migration with `addReference()` (src/db/foreign-keys.ts). A write naming a missing row, or a
 * delete of a row still named, fails in the database and reaches the client as a 409 naming
 * `relation`.
 */
export interface Reference {
  table: string;
  /** What the referenced row is called in messages, e.g. "protection store". */
  relation: string;
}
