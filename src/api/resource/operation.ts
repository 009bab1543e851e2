// Builders of a definition's writes and actions. Each pairs the operation's TypeBox schemas with
// typed readers, so a handler's `body` is `Static<typeof Body>` without a cast: Fastify's Ajv has
// validated the request already (and written the 400 message); the reader's compiled TypeBox
// check is the type guard behind that type, a few microseconds per write.
import type { Static, TSchema } from "typebox";
import { Compile } from "typebox/compile";
import { AppError } from "../../domain/app-error.ts";
import type { Operation, OperationOptions } from "./collection-definition.ts";

type Spec = Omit<OperationOptions, "body" | "query">;
/** The query of an operation that declares none: nothing is read from it. */
export type NoQuery = Readonly<Record<string, never>>;

function reader<S extends TSchema>(schema: S, part: string): (value: unknown) => Static<S> {
  let check: ((value: unknown) => value is Static<S>) | undefined;
  return (value) => {
    if (!check) {
      const validator = Compile(schema);
      check = (v): v is Static<S> => validator.Check(v);
    }
    if (check(value)) return value;
    throw AppError.badRequest(`${part}: does not match the operation's schema`);
  };
}

const noBody = (): undefined => undefined;
const noQuery = (): NoQuery => ({});

/** An operation without a body or query schema. */
export function operation(spec: Spec): Operation<undefined, NoQuery> {
  return { ...spec, read: { body: noBody, query: noQuery } };
}

export function operationWithBody<B extends TSchema>(spec: Spec, body: B): Operation<Static<B>, NoQuery> {
  return { ...spec, body, read: { body: reader(body, "body"), query: noQuery } };
}

export function operationWithQuery<Q extends TSchema>(spec: Spec, query: Q): Operation<undefined, Static<Q>> {
  return { ...spec, query, read: { body: noBody, query: reader(query, "querystring") } };
}

export function operationWith<B extends TSchema, Q extends TSchema>(spec: Spec, body: B, query: Q): Operation<Static<B>, Static<Q>> {
  return { ...spec, body, query, read: { body: reader(body, "body"), query: reader(query, "querystring") } };
}
