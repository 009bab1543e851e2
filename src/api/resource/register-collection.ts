// Generates a collection's routes from its definition: list (filter/sort/select/paging with the
// collection's envelope), get (with select), and the writes and actions the definition declares,
// each bound to its use case. Sub-collections are scoped to their parent for every read and write.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type TSchema, Type } from "typebox";
import { actorOf } from "../../auth/tokens.ts";
import type { Dialect } from "../../db/database.ts";
import type { DocumentRepository, ListPage } from "../../db/document-repository.ts";
import { AppError } from "../../domain/app-error.ts";
import type { Outcome } from "../../domain/outcome.ts";
import { ASYNC_OPERATIONS_PATH } from "../../domain/paths.ts";
import { ListQueryCache } from "../query/index.ts";
import type { CollectionDefinition, ErrorStatus, Operation } from "./collection-definition.ts";
import { etagOf, etagOfRaw } from "./etag.ts";
import { parseIfMatch } from "./if-match.ts";
import { listEnvelope } from "./list-envelope.ts";
import { listQuerySchema, listResponseSchema } from "./list-schemas.ts";
import type { BoundOperation, CollectionHandlers, RouteFrame } from "./operation-handlers.ts";
import { querySpec } from "./query-spec.ts";
import { type RoutePath, contractParams, documentedRoute, paramsSchema, routePath } from "./route-paths.ts";
import { type ParentScope, parentScope } from "./parent-scope.ts";

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, unknown> }>;

export interface RegisterContext {
  dialect: Dialect;
  /** Repositories by collection name: the collection's own and its parent's. */
  repositories: ReadonlyMap<string, DocumentRepository>;
}

// Said in full: Fastify appends the charset to a JSON string body but not to a Buffer body.
const JSON_TYPE = "application/json; charset=utf-8";

const ErrorSchema = Type.Ref("ErrorResponse");
const AcceptedSchema = Type.Object({}, { description: "Accepted; poll the async operation in the Location header" });
const WRITE_ERRORS: readonly ErrorStatus[] = [400, 401, 403, 404, 500];

function responses(status: number, ok: TSchema, errors: readonly ErrorStatus[]) {
  const out: Record<number, TSchema> = { [status]: ok };
  for (const e of errors) out[e] = ErrorSchema;
  return out;
}

function sendOutcome(reply: FastifyReply, op: Operation, outcome: Outcome): FastifyReply {
  if (outcome && "operationId" in outcome) reply.header("location", `${ASYNC_OPERATIONS_PATH}/${outcome.operationId}`);
  // A created resource's Location is its own URI (201 + Location + body).
  if (op.status === 201 && outcome && "resource" in outcome && "resourceUri" in outcome.resource && typeof outcome.resource.resourceUri === "string") {
    reply.header("location", outcome.resource.resourceUri);
  }
  if (op.status === 204 || (outcome === undefined && op.status !== 202)) return reply.code(204).send();
  const body = op.status === 202 || !outcome || !("resource" in outcome) ? {} : outcome.resource;
  const etag = etagOf(body);
  if (etag) reply.header("etag", etag);
  return reply.code(op.status).type("application/json").send(JSON.stringify(body));
}

/** Route options that show the contract's path and parameter names in /openapi.json. */
function documented(path: RoutePath, rename?: Readonly<Record<string, string>>) {
  const doc = documentedRoute(path, rename);
  return {
    config: { swaggerTransform: ({ schema }: { schema: object }) => ({ schema: { ...schema, ...(path.params.length > 0 ? { params: doc.params } : {}) }, url: doc.url }) },
    params: path.params.length > 0 ? { params: paramsSchema(path) } : {},
  };
}

export function registerCollection(app: FastifyInstance, def: CollectionDefinition, handlers: CollectionHandlers, ctx: RegisterContext): void {
  const repository = ctx.repositories.get(def.name);
  if (!repository) throw new Error(`${def.name}: no repository`);
  const plans = new ListQueryCache(querySpec(def), ctx.dialect);
  const base = routePath(def.path);
  const item = routePath(`${def.path}/{${def.idParam}}`);
  const scope: ParentScope = parentScope(def, base, ctx.repositories);
  const tags = [def.tag];
  const notFound = (id: string | undefined) => AppError.notFound(`${def.name} '${id}' not found`);

  if (def.list) {
    const list = def.list;
    const doc = documented(base, list.documentParams);
    // The repository serves an unchanged full page again as the same object: its body is built
    // and encoded once, not on every request.
    const bodies = new WeakMap<ListPage, Buffer>();
    app.get(
      base.url,
      {
        config: doc.config,
        schema: {
          tags,
          operationId: list.operationId,
          summary: list.summary,
          ...doc.params,
          querystring: listQuerySchema(list),
          response: responses(200, listResponseSchema(def.schema, list.envelope), list.errors ?? (def.parent ? [400, 401, 403, 404, 500] : [400, 401, 403, 500])),
        },
      },
      async (request: Req, reply) => {
        const plan = plans.parse(request.query);
        const within = await scope.require(request.principal.customerId, request.params);
        const page = await repository.list(request.principal.customerId, plan, within);
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

  const itemId = (request: Req) => request.params[item.params.at(-1)!.internal];
  const sendItem = (request: Req, reply: FastifyReply, raw: string | undefined): undefined => {
    if (raw === undefined) throw notFound(itemId(request));
    const etag = etagOfRaw(raw);
    if (etag) reply.header("etag", etag);
    const plan = request.query.select === undefined ? undefined : plans.parse({ select: request.query.select });
    reply.type(JSON_TYPE).send(plan?.project ? JSON.stringify(plan.project(JSON.parse(raw))) : raw);
  };

  if (def.get) {
    const doc = documented(item);
    app.get(
      item.url,
      {
        config: doc.config,
        schema: {
          tags,
          operationId: def.get.operationId,
          summary: def.get.summary,
          ...doc.params,
          querystring: Type.Object({ select: Type.Optional(Type.String({ maxLength: 1024 })) }),
          response: responses(200, def.schema, def.get.errors ?? [400, 401, 403, 404, 500]),
        },
      },
      // Not async: on SQLite the row is read in the same tick and the reply sent without a promise.
      (request: Req, reply: FastifyReply): Promise<void> | undefined => {
        const { customerId } = request.principal;
        const id = itemId(request)!;
        if (scope.parent) {
          return scope.require(customerId, request.params).then(async (within) => sendItem(request, reply, await repository.getRaw(customerId, id, undefined, within)));
        }
        const now = repository.getRawNow(customerId, id);
        if (now !== undefined) return sendItem(request, reply, now ?? undefined);
        return repository.getRaw(customerId, id).then((raw) => sendItem(request, reply, raw));
      },
    );
  }

  const need = <B extends BoundOperation<"item" | "collection">>(bound: B | undefined, op: Operation, what: string): B => {
    if (!bound) throw new Error(`${def.name}: the definition declares ${what} but no handler implements it`);
    if (bound.op !== op) throw new Error(`${def.name}: the handler of ${what} is bound to ${bound.op.operationId}, not ${op.operationId}`);
    return bound;
  };

  const write = (method: RouteFrame["method"], op: Operation, bound: BoundOperation<"item" | "collection">, defaultPath: RoutePath) => {
    const path = op.path ? routePath(op.path) : defaultPath;
    const isItem = bound.kind === "item";
    scope.check(path, op.operationId);
    const doc = documented(path);
    bound.route(app, {
      method,
      url: path.url,
      config: { ...(op.minRole ? { minRole: op.minRole } : {}), ...doc.config },
      schema: {
        tags: [op.tag ?? def.tag],
        operationId: op.operationId,
        summary: op.summary,
        ...doc.params,
        ...(op.body ? { body: op.body } : {}),
        ...(op.query ? { querystring: op.query } : {}),
        response: responses(op.status, op.status === 204 ? Type.Null({ description: "No content" }) : op.status === 202 ? AcceptedSchema : (op.response ?? def.schema), op.errors ?? WRITE_ERRORS),
      },
      async resolve(request) {
        const customerId = request.principal.customerId;
        const id = isItem ? (request.params[path.params.at(-1)!.internal] ?? "") : "";
        const within = await scope.require(customerId, request.params);
        // An item of another parent is not there: 404 before the use case runs, nothing changed.
        if (within && isItem && (await repository.getRaw(customerId, id, undefined, within)) === undefined) throw notFound(id);
        return { actor: actorOf(request.principal), params: contractParams(path, request.params), id, ifMatch: isItem ? parseIfMatch(request.headers["if-match"]) : undefined };
      },
      send: (reply, outcome) => sendOutcome(reply, op, outcome),
    });
  };

  const itemOps = [
    ["PATCH", def.update, handlers.update, "update"],
    ["PUT", def.replace, handlers.replace, "replace"],
    ["DELETE", def.remove, handlers.remove, "remove"],
  ] as const;
  if (def.create) write("POST", def.create, need(handlers.create, def.create, "create"), base);
  for (const [method, op, bound, what] of itemOps) if (op) write(method, op, need(bound, op, what), item);
  for (const [action, op] of Object.entries(def.actions ?? {})) {
    write("POST", op, need(handlers.actions?.[action], op, `action ${action}`), routePath(`${item.template}/${action}`));
  }
  for (const [action, op] of Object.entries(def.collectionActions ?? {})) {
    write("POST", op, need(handlers.collectionActions?.[action], op, `collection action ${action}`), routePath(`${base.template}/${action}`));
  }
}
