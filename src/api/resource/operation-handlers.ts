// Binds a definition's write or action to the use case that serves it. The binding is generic in
// the operation's body and query types (`Static<typeof Schema>`, see operation.ts), so the use
// case receives typed input, and every path parameter by its contract name.
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifySchema } from "fastify";
import type { Principal } from "../../auth/tokens.ts";
import type { Actor } from "../../domain/actor.ts";
import type { Outcome } from "../../domain/outcome.ts";
import type { Operation } from "./collection-definition.ts";

/** Every path parameter of the request, by its contract name ("id", "hypervisor-id"...). */
export type PathParams = Readonly<Record<string, string>>;

export interface CollectionInput<TBody, TQuery> {
  actor: Actor;
  params: PathParams;
  body: TBody;
  query: TQuery;
}

export interface ItemInput<TBody, TQuery> extends CollectionInput<TBody, TQuery> {
  /** The item's id (the route's last path parameter). */
  id: string;
  /** The generation an If-Match header names, if any. */
  ifMatch: number | undefined;
}

/** What the framework resolves before a use case runs: the actor and the parent-scoped params. */
export interface ResolvedRequest {
  actor: Actor;
  params: PathParams;
  id: string;
  ifMatch: number | undefined;
}

/** A route as the framework prepared it; the binding adds the typed handler. */
export interface RouteFrame {
  method: "POST" | "PATCH" | "PUT" | "DELETE";
  url: string;
  schema: FastifySchema;
  config: FastifyContextConfig;
  /** Checks parent and item scope (404, nothing changed) and gathers the handler's input. */
  resolve(request: { principal: Principal; params: Readonly<Record<string, string>>; headers: { "if-match"?: string | string[] | undefined } }): Promise<ResolvedRequest>;
  send(reply: FastifyReply, outcome: Outcome): FastifyReply;
}

export interface BoundOperation<K extends "item" | "collection"> {
  readonly kind: K;
  /** The definition's operation this binding serves (checked when the routes are built). */
  readonly op: Operation;
  route(app: FastifyInstance, frame: RouteFrame): void;
}

function bind<TBody, TQuery, K extends "item" | "collection">(
  kind: K,
  op: Operation<TBody, TQuery>,
  run: (resolved: ResolvedRequest, body: TBody, query: TQuery) => Promise<Outcome>,
): BoundOperation<K> {
  return {
    kind,
    op,
    route(app, frame) {
      app.route<{ Params: Record<string, string> }>({
        method: frame.method,
        url: frame.url,
        schema: frame.schema,
        config: frame.config,
        handler: async (request, reply) => {
          const resolved = await frame.resolve(request);
          return frame.send(reply, await run(resolved, op.read.body(request.body), op.read.query(request.query)));
        },
      });
    },
  };
}

/** A write or action on one item (PATCH, PUT, DELETE, POST {id}/{action}). */
export function handleItem<TBody, TQuery>(op: Operation<TBody, TQuery>, run: (input: ItemInput<TBody, TQuery>) => Promise<Outcome>): BoundOperation<"item"> {
  return bind("item", op, (r, body, query) => run({ actor: r.actor, params: r.params, id: r.id, ifMatch: r.ifMatch, body, query }));
}

/** A write or action on the collection (POST {path}, POST {path}/{action}). */
export function handleCollection<TBody, TQuery>(op: Operation<TBody, TQuery>, run: (input: CollectionInput<TBody, TQuery>) => Promise<Outcome>): BoundOperation<"collection"> {
  return bind("collection", op, (r, body, query) => run({ actor: r.actor, params: r.params, body, query }));
}

/** The use cases behind a definition's writes and actions, keyed as in the definition. */
export interface CollectionHandlers {
  create?: BoundOperation<"collection">;
  update?: BoundOperation<"item">;
  replace?: BoundOperation<"item">;
  remove?: BoundOperation<"item">;
  actions?: Readonly<Record<string, BoundOperation<"item">>>;
  collectionActions?: Readonly<Record<string, BoundOperation<"collection">>>;
}
