// Contract path templates (`/hypervisor-managers/{hypervisor-id}/folders/{folder-id}`) as Fastify
// routes. find-my-way ends a parameter name at '-', so inside Fastify the names are camel-cased
// (`:hypervisorId`); handlers and /openapi.json see the contract's spelling again.
import { type TSchema, Type } from "typebox";

export interface PathParam {
  /** As the contract spells it ("hypervisor-id"). */
  name: string;
  /** As Fastify routes it ("hypervisorId"). */
  internal: string;
}

export interface RoutePath {
  /** The contract template, e.g. "/virtual-machines/{vm-id}". */
  template: string;
  /** The Fastify URL, e.g. "/virtual-machines/:vmId". */
  url: string;
  /** In path order; the last one of an item route is the item's id. */
  params: readonly PathParam[];
}

const PARAM = /\{([^}/]+)\}/g;

const internalName = (name: string): string => name.replace(/[^A-Za-z0-9]+([A-Za-z0-9])/g, (_m, c: string) => c.toUpperCase());

export function routePath(template: string): RoutePath {
  const params: PathParam[] = [];
  const url = template.replace(PARAM, (_m, name: string) => {
    const internal = internalName(name);
    if (params.some((p) => p.internal === internal)) throw new Error(`${template}: parameter {${name}} appears twice`);
    params.push({ name, internal });
    return `:${internal}`;
  });
  return { template, url, params };
}

/** `{template}/{child}` with the child segment appended. */
export const childPath = (template: string, ...segments: string[]): string => [template, ...segments].join("/");

const idSchema = (description: string) => Type.String({ minLength: 1, maxLength: 256, description });

/** The params schema Fastify validates with (internal names). */
export function paramsSchema(path: RoutePath): TSchema {
  return Type.Object(Object.fromEntries(path.params.map((p) => [p.internal, idSchema(`{${p.name}}`)])));
}

/**
 * How /openapi.json shows the route: the contract's template and parameter names, some of which an
 * operation may spell differently (`rename`: canonical name -> this operation's name).
 */
export function documentedRoute(path: RoutePath, rename: Readonly<Record<string, string>> = {}): { url: string; params: TSchema } {
  const nameOf = (p: PathParam) => rename[p.name] ?? p.name;
  const url = path.template.replace(PARAM, (_m, name: string) => `{${rename[name] ?? name}}`);
  const params = Type.Object(Object.fromEntries(path.params.map((p) => [nameOf(p), idSchema(`the ${nameOf(p)}`)])));
  return { url, params };
}

/** A request's path parameters under their contract names. */
export function contractParams(path: RoutePath, raw: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of path.params) {
    const value = raw[p.internal];
    if (value !== undefined) out[p.name] = value;
  }
  return out;
}
