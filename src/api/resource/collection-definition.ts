// The declarative description of one collection. `registerCollection` turns it into routes,
// validation, list behaviour and OpenAPI; services supply only the behaviour that differs.
import type { TSchema } from "typebox";
import type { Principal, Role } from "../../auth/tokens.ts";
import type { DocumentRepository } from "../../db/document-repository.ts";

/** List envelope variants of the contract (conventions.md §3). */
export type EnvelopeKind = "standard" | "page" | "psg";

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
}

export interface OperationOptions {
  operationId: string;
  summary: string;
  /** Request body schema (writes and actions). */
  body?: TSchema;
  /** Query-string schema beyond the defaults (e.g. `force` on deletes). */
  query?: TSchema;
  /** Success status: 200/201 return the resource, 202 an async operation, 204 nothing. */
  status: 200 | 201 | 202 | 204;
  minRole?: Role;
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
  /**
   * Sub-collections (e.g. /hypervisor-managers/{id}/folders): `path` contains `:param`, and list/get
   * only see documents whose promoted `column` equals that path parameter.
   */
  parent?: { param: string; column: string };
  /** column -> top-level attribute, mirrored for indexes (must exist in the table). */
  promoted: Readonly<Record<string, string>>;
  list?: ListOptions;
  get?: OperationOptions | { operationId: string; summary: string };
  create?: OperationOptions;
  update?: OperationOptions;
  replace?: OperationOptions;
  remove?: OperationOptions;
  /** POST {path}/{id}/{action} */
  actions?: Readonly<Record<string, OperationOptions>>;
  /** POST {path}/{action} (collection-level actions). */
  collectionActions?: Readonly<Record<string, OperationOptions>>;
}

export interface RequestContext {
  principal: Principal;
  debugId: string;
}

/** What a write produced: the resource (sync), an async operation to poll, or nothing (204). */
export type WriteResult = { document?: object; operationId?: string } | undefined;

export interface CollectionHandlers {
  repository: DocumentRepository;
  create?(ctx: RequestContext, body: unknown, query: Record<string, unknown>): Promise<WriteResult>;
  update?(ctx: RequestContext, id: string, patch: unknown, ifMatch: number | undefined): Promise<WriteResult>;
  replace?(ctx: RequestContext, id: string, body: unknown, ifMatch: number | undefined): Promise<WriteResult>;
  remove?(ctx: RequestContext, id: string, ifMatch: number | undefined, query: Record<string, unknown>): Promise<WriteResult>;
  actions?: Record<string, (ctx: RequestContext, id: string, body: unknown, ifMatch: number | undefined) => Promise<WriteResult>>;
  collectionActions?: Record<string, (ctx: RequestContext, body: unknown, query: Record<string, unknown>) => Promise<WriteResult>>;
}
