// The obr SDK's client: openapi-fetch typed by our own /openapi.json (api-types.ts), over a fetch
// that carries a client-credentials token (renewed before it expires, and once more when the
// server refuses it) and waits out 429/503 as the server asks. Helpers walk lists to their total
// and wait for async operations.
import createClient, { type Client } from "openapi-fetch";
import type { paths } from "./api-types.ts";
import { ApiError } from "./errors.ts";
import { isOperationView, type OperationView, pollOperation, type WaitOptions } from "./operations.ts";
import { type Page, walkPages } from "./paging.ts";
import { type RetryOptions, replayable, retryingFetch } from "./retry.ts";
import { type ClientCredentials, TokenSource } from "./tokens.ts";

export interface ObrClientOptions {
  /** The server's base URL ("https://obr.example:8443"). */
  baseUrl: string;
  credentials: ClientCredentials;
  retry?: RetryOptions;
  /** The fetch to send requests with (default: the global one). */
  fetch?: typeof fetch;
}

/** Paths whose GET answers a GreenLake list ({ items, total, ... }). */
export type ListPath = {
  [P in keyof paths]: paths[P] extends { get: { responses: { 200: { content: { "application/json": { items: unknown[] } } } } } } ? P : never;
}[keyof paths];
export type ListItem<P extends ListPath> = paths[P] extends { get: { responses: { 200: { content: { "application/json": { items: Array<infer T> } } } } } } ? T : never;

export interface ListOptions {
  /** Values of the path's {placeholders}. */
  path?: Record<string, string>;
  /** filter, sort, select, limit... (offset is the walker's). */
  query?: Record<string, string | number>;
}

export interface ObrClient {
  /** Typed calls: `api.GET("/backup-recovery/v1beta1/protection-policies/{id}", { params: { path: { id } } })`. */
  readonly api: Client<paths>;
  /** The authenticated, retrying fetch under `api`, for calls by URL (a Location header). */
  readonly fetch: typeof fetch;
  readonly baseUrl: string;
  /** Every item of a list, page by page (offset walks to total). */
  listAll<P extends ListPath>(path: P, options?: ListOptions): AsyncGenerator<ListItem<P>>;
  /** Polls an async operation (its Location or id) until it ends; throws OperationFailedError unless it SUCCEEDED. */
  waitForOperation(location: string, options?: WaitOptions): Promise<OperationView>;
  /** The current access token (fetched when needed). */
  token(): Promise<string>;
}

const OPERATIONS = "/data-services/v1beta1/async-operations/";

export function createObrClient(options: ObrClientOptions): ObrClient {
  const baseFetch = options.fetch ?? fetch;
  const tokens = new TokenSource(options.baseUrl, options.credentials, baseFetch);
  const authed: typeof fetch = async (input, init) => {
    const request = await replayable(input, init);
    const send = async (token: string) => {
      const headers = new Headers(request.headers);
      headers.set("authorization", `Bearer ${token}`);
      return baseFetch(request.again({ headers }));
    };
    const token = await tokens.token();
    const res = await send(token);
    if (res.status !== 401) return res;
    // a token revoked or signed by a rotated key: one more try with a new token
    await res.body?.cancel();
    tokens.invalidate(token);
    return send(await tokens.token());
  };
  const sdkFetch = retryingFetch(authed, options.retry);
  const api = createClient<paths>({ baseUrl: options.baseUrl, fetch: sdkFetch });
  const url = (path: string) => new URL(path, options.baseUrl).toString();

  const getJson = async (path: string): Promise<unknown> => {
    const res = await sdkFetch(url(path), { headers: { accept: "application/json" } });
    if (!res.ok) throw await ApiError.from(res);
    return res.json();
  };

  return {
    api,
    fetch: sdkFetch,
    baseUrl: options.baseUrl,
    listAll<P extends ListPath>(path: P, list: ListOptions = {}): AsyncGenerator<ListItem<P>> {
      const filled = String(path).replace(/\{([^}]+)\}/g, (_, name: string) => {
        const value = list.path?.[name];
        if (value === undefined) throw new Error(`listAll: no value for {${name}} in ${path}`);
        return encodeURIComponent(value);
      });
      return walkPages<ListItem<P>>(async (offset) => {
        const query = new URLSearchParams(Object.entries({ ...list.query, offset }).map(([k, v]): [string, string] => [k, String(v)]));
        const body = await getJson(`${filled}?${query}`);
        if (!isPage<ListItem<P>>(body)) throw new Error(`GET ${filled} did not answer a list`);
        return body;
      });
    },
    waitForOperation(location: string, wait?: WaitOptions) {
      const path = location.includes("/") ? location : `${OPERATIONS}${location}`;
      return pollOperation(async () => {
        const body = await getJson(path);
        if (!isOperationView(body)) throw new Error(`GET ${path} did not answer an async operation`);
        return body;
      }, wait);
    },
    token: () => tokens.token(),
  };
}

function isPage<T>(body: unknown): body is Page<T> {
  return typeof body === "object" && body !== null && Array.isArray(Reflect.get(body, "items"));
}
