// Calls to the public API for the pages: JSON in and out through the session's SDK client (its
// token, retries on 429/503), the API's own error (message, debugId) on failure, and one
// recognisable error for an endpoint this server does not serve yet, which pages show as
// "not available" instead of failing.
import { ApiError, type OperationView, TokenError } from "../../src/sdk/index.ts";
import type { Session } from "./session.ts";

export { ApiError, TokenError };
export type { OperationView };

/** The server has no route for this call (an endpoint of the contract it does not serve yet). */
export class UnavailableError extends Error {
  override readonly name = "UnavailableError";
  constructor(readonly path: string) {
    // ids are the caller's, the missing endpoint is the template: /virtual-machines/{id}/backups
    super(`this server does not serve ${(path.split("?")[0] ?? path).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "{id}")} yet`);
  }
}

/** The session ended (token refused, expired after a reload): the app goes back to sign-in. */
export class SessionEndedError extends Error {
  override readonly name = "SessionEndedError";
}

let onSessionEnded: (message: string) => void = () => {};
export function whenSessionEnds(handler: (message: string) => void): void {
  onSessionEnded = handler;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface Sent<T> {
  body: T | undefined;
  /** The async operation of a 202 (its Location). */
  operation: string | undefined;
}

interface ServedRoute {
  pattern: RegExp;
  methods: Set<string>;
}
let served: Promise<ServedRoute[] | undefined> | undefined;

/**
 * The routes this server serves, from its /openapi.json (read once). Calls outside them are
 * answered "not available" without a request: a 404 would be an error in the browser's console.
 */
function servedRoutes(): Promise<ServedRoute[] | undefined> {
  served ??= globalThis
    .fetch("/openapi.json", { headers: { accept: "application/json" } })
    .then(async (res) => {
      const doc: unknown = res.ok ? await res.json() : undefined;
      const paths = typeof doc === "object" && doc !== null ? Reflect.get(doc, "paths") : undefined;
      if (typeof paths !== "object" || paths === null) return undefined;
      return Object.entries(paths).map(([template, ops]) => ({
        pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
        methods: new Set(Object.keys(typeof ops === "object" && ops !== null ? ops : {}).map((m) => m.toUpperCase())),
      }));
    })
    .catch(() => undefined);
  return served;
}

async function isServed(method: string, path: string): Promise<boolean> {
  const routes = await servedRoutes();
  if (!routes) return true; // unknown: ask, and read a 404 "no route" instead
  const bare = path.split("?")[0] ?? path;
  return routes.some((r) => r.methods.has(method) && r.pattern.test(bare));
}

async function call(session: Session, method: string, path: string, body?: unknown): Promise<Response> {
  if (!(await isServed(method, path))) throw new UnavailableError(path);
  let res: Response;
  try {
    res = await session.client.fetch(new URL(path, location.origin).toString(), {
      method,
      headers: { accept: "application/json", ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    if (err instanceof TokenError) {
      onSessionEnded(err.status === 401 ? "Your session has ended: sign in again." : err.message);
      throw new SessionEndedError(err.message);
    }
    throw err;
  }
  if (res.ok) return res;
  const error = await ApiError.from(res);
  // an unknown route answers 404 "no route ..." (405 when only the method is missing): not served
  if ((error.httpStatusCode === 404 && error.message.startsWith("no route")) || error.httpStatusCode === 405) throw new UnavailableError(path);
  if (error.httpStatusCode === 401) {
    onSessionEnded("The server no longer accepts this session: sign in again.");
    throw new SessionEndedError(error.message);
  }
  throw error;
}

/** GET a resource or a list as the contract documents it. */
export async function get<T>(session: Session, path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
  const res = await call(session, "GET", withQuery(path, query));
  return res.json();
}

/** GET one page of a list (default: the first 1000 items, the usual maximum). */
export function list<T>(session: Session, path: string, query: Record<string, string | number | undefined> = {}): Promise<Page<T>> {
  return get<Page<T>>(session, path, { limit: 1000, ...query });
}

/** POST/PATCH/PUT/DELETE; a 202's Location names the async operation to follow. */
export async function send<T = unknown>(session: Session, method: "POST" | "PATCH" | "PUT" | "DELETE", path: string, body?: unknown): Promise<Sent<T>> {
  const res = await call(session, method, path, body);
  const text = await res.text();
  return { body: text ? JSON.parse(text) : undefined, operation: res.headers.get("location") ?? undefined };
}

export function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** A value quoted for a GreenLake filter ('' escapes a quote). */
export const quote = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** What to tell the user about a failure: the API's message and debugId, never a stack. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return `${err.message} (${err.httpStatusCode} ${err.errorCode}${err.debugId ? `, debugId ${err.debugId}` : ""})`;
  if (err instanceof Error) return err.message;
  return String(err);
}
