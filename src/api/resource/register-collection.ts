// Generates a collection's routes from its definition: list (filter/sort/select/paging with the
// collection's envelope), get (with select), and the writes and actions the definition declares.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type TSchema, Type } from "typebox";
import type { Dialect } from "../../db/database.ts";
import type { ListPage } from "../../db/document-repository.ts";
import { AppError } from "../../domain/app-error.ts";
import { type CollectionQuerySpec, ListQueryCache, attributesFromSchema } from "../query/index.ts";
import type { CollectionDefinition, CollectionHandlers, OperationOptions, RequestContext, WriteResult } from "./collection-definition.ts";
import { parseIfMatch } from "./if-match.ts";
import { listEnvelope } from "./list-envelope.ts";
import { listQuerySchema, listResponseSchema } from "./list-schemas.ts";

import { ASYNC_OPERATIONS_PATH } from "../../domain/paths.ts";

type Req = FastifyRequest<{ Params: Record<string, string> & { id: string }; Querystring: Record<string, unknown> }>;

// Said in full: Fastify appends the charset to a JSON string body but not to a Buffer body.
const JSON_TYPE = "application/json; charset=utf-8";

const context = (request: FastifyRequest): RequestContext => ({ principal: request.principal, debugId: String(request.id) });
const ErrorSchema = Type.Ref("ErrorResponse");
const AcceptedSchema = Type.Object({}, { description: "Accepted; poll the async operation in the Location header" });

function sendWrite(reply: FastifyReply, op: OperationOptions, result: WriteResult): FastifyReply {
  if (result?.operationId) reply.header("location", `${ASYNC_OPERATIONS_PATH}/${result.operationId}`);
  if (op.status === 204 || (result === undefined && op.status !== 202)) return reply.code(204).send();
  const body = op.status === 202 ? {} : (result?.document ?? {});
  return reply.code(op.status).type("application/json").send(JSON.stringify(body));
}

function responses(def: CollectionDefinition, op: { status?: number }, body: TSchema | undefined) {
  const status = op.status ?? 200;
  const ok = status === 204 ? Type.Null({ description: "No content" }) : status === 202 ? AcceptedSchema : (body ?? def.schema);
  return { [status]: ok, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 500: ErrorSchema };
}

/** Columns every document table declares NOT NULL. */
const NOT_NULL_COLUMNS: ReadonlySet<string> = new Set(["id", "customer_id", "generation", "created_at", "updated_at"]);

/** attribute -> column for promoted top-level attributes (nested ones are read from the document). */
function topLevelPromoted(promoted: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(promoted).filter(([, attr]) => !attr.includes("/")).map(([column, attr]) => [attr, column]));
}

function querySpec(def: CollectionDefinition): CollectionQuerySpec {
  const list = def.list;
  return {
    attributes: attributesFromSchema(def.schema, topLevelPromoted(def.promoted)),
    notNullColumns: NOT_NULL_COLUMNS,
    filterable: !list || list.filterable === "all" ? "all" : new Set(list.filterable),
    sortable: list?.sortable ? new Set(list.sortable) : "all-scalars",
    limitDefault: list?.limitDefault ?? 100,
    limitMax: list?.limitMax ?? 1000,
    ...(list?.limitMin !== undefined ? { limitMin: list.limitMin } : {}),
    ...(list?.offsetMax !== undefined ? { offsetMax: list.offsetMax } : {}),
  };
}

export function registerCollection(app: FastifyInstance, def: CollectionDefinition, handlers: CollectionHandlers, dialect: Dialect): void {
  const plans = new ListQueryCache(querySpec(def), dialect);
  const itemPath = `${def.path}/:id`;
  const idSchema = (what: string) => Type.String({ minLength: 1, maxLength: 256, description: what });
  const parentParams = def.parent ? { [def.parent.param]: idSchema(`the parent's id`) } : {};
  const params = Type.Object({ ...parentParams, id: idSchema(`the ${def.idParam}`) });
  const listParams = Type.Object(parentParams);
  const scopeOf = (request: Req) => (def.parent ? { column: def.parent.column, value: request.params[def.parent.param]! } : undefined);
  const tags = [def.tag];
  const notFound = (id: string) => AppError.notFound(`${def.name} '${id}' not found`);

  if (def.list) {
    const list = def.list;
    // The repository serves an unchanged full page again as the same object: its body is built
    // and encoded once, not on every request.
    const bodies = new WeakMap<ListPage, Buffer>();
    app.get(
      def.path,
      {
        schema: {
          tags,
          operationId: list.operationId,
          summary: list.summary,
          ...(def.parent ? { params: listParams } : {}),
          querystring: listQuerySchema(list),
          response: responses(def, { status: 200 }, listResponseSchema(def.schema, list.envelope)),
        },
      },
      async (request: Req, reply) => {
        const plan = plans.parse(request.query);
        const page = await handlers.repository.list(request.principal.customerId, plan, scopeOf(request));
        const paging = { offset: plan.offset, limit: plan.limit, total: page.total };
        const project = plan.project;
        if (project) {
          const items = page.docs.map((d) => JSON.stringify(project(JSON.parse(d))));
          return reply.type(JSON_TYPE).send(listEnvelope(list.envelope, items, paging));
        }
        let body = bodies.get(page);
        if (body === undefined) {
          body = Buffer.from(listEnvelope(list.envelope, page.docs, paging));
          bodies.set(page, body);
        }
        return reply.type(JSON_TYPE).send(body);
      },
    );
  }

  const sendItem = (request: Req, reply: FastifyReply, raw: string | undefined): undefined => {
    if (raw === undefined) throw notFound(request.params.id);
    const plan = request.query.select === undefined ? undefined : plans.parse({ select: request.query.select });
    reply.type(JSON_TYPE).send(plan?.project ? JSON.stringify(plan.project(JSON.parse(raw))) : raw);
  };

  if (def.get) {
    app.get(
      itemPath,
      {
        schema: {
          tags,
          operationId: def.get.operationId,
          summary: def.get.summary,
          params,
          querystring: Type.Object({ select: Type.Optional(Type.String({ maxLength: 1024 })) }),
          response: responses(def, { status: 200 }, undefined),
        },
      },
      // Not async: on SQLite the row is read in the same tick and the reply sent without a promise.
      (request: Req, reply: FastifyReply): Promise<void> | undefined => {
        const { repository } = handlers;
        const { customerId } = request.principal;
        const scope = scopeOf(request);
        const now = repository.getRawNow(customerId, request.params.id, scope);
        if (now !== undefined) return sendItem(request, reply, now ?? undefined);
        return repository.getRaw(customerId, request.params.id, undefined, scope).then((raw) => sendItem(request, reply, raw));
      },
    );
  }

  const write = (
    method: "POST" | "PATCH" | "PUT" | "DELETE",
    url: string,
    op: OperationOptions,
    withId: boolean,
    run: (request: Req) => Promise<WriteResult>,
  ) => {
    app.route({
      method,
      url,
      config: op.minRole ? { minRole: op.minRole } : {},
      schema: {
        tags,
        operationId: op.operationId,
        summary: op.summary,
        ...(withId ? { params } : {}),
        ...(op.body ? { body: op.body } : {}),
        ...(op.query ? { querystring: op.query } : {}),
        response: responses(def, op, undefined),
      },
      handler: async (request: Req, reply) => sendWrite(reply, op, await run(request)),
    });
  };
  const ifMatch = (request: Req) => parseIfMatch(request.headers["if-match"]);
  const need = <T>(fn: T | undefined, what: string): T => {
    if (!fn) throw new Error(`${def.name}: the definition declares ${what} but no handler implements it`);
    return fn;
  };

  if (def.create) {
    const fn = need(handlers.create, "create");
    write("POST", def.path, def.create, false, (r) => fn(context(r), r.body, r.query));
  }
  if (def.update) {
    const fn = need(handlers.update, "update");
    write("PATCH", itemPath, def.update, true, (r) => fn(context(r), r.params.id, r.body, ifMatch(r)));
  }
  if (def.replace) {
    const fn = need(handlers.replace, "replace");
    write("PUT", itemPath, def.replace, true, (r) => fn(context(r), r.params.id, r.body, ifMatch(r)));
  }
  if (def.remove) {
    const fn = need(handlers.remove, "remove");
    write("DELETE", itemPath, def.remove, true, (r) => fn(context(r), r.params.id, ifMatch(r), r.query));
  }
  for (const [action, op] of Object.entries(def.actions ?? {})) {
    const fn = need(handlers.actions?.[action], `action ${action}`);
    write("POST", `${itemPath}/${action}`, op, true, (r) => fn(context(r), r.params.id, r.body, ifMatch(r)));
  }
  for (const [action, op] of Object.entries(def.collectionActions ?? {})) {
    const fn = need(handlers.collectionActions?.[action], `collection action ${action}`);
    write("POST", `${def.path}/${action}`, op, false, (r) => fn(context(r), r.body, r.query));
  }
}
