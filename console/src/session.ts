// The signed-in API client. The SDK's token logic (one request at a time, renewed a minute before
// expiry, once more on a 401) runs unchanged over a fetch that keeps the token in sessionStorage:
// a reload reuses it until it is due for renewal. The secret lives only in this tab's memory, so
// after a reload the console asks for it again once the stored token runs out.
import { createObrClient, type ObrClient } from "../../src/sdk/index.ts";

const KEY = "obr.console.session";
const TOKEN_PATH = "/as/token.oauth2";
/** A stored token closer to its expiry than this is not reused: the SDK would renew it at once. */
const REUSE_MARGIN_MS = 90_000;

interface StoredToken {
  clientId: string;
  token: string;
  expiresAt: number;
}

export interface Session {
  readonly clientId: string;
  readonly client: ObrClient;
}

const field = (value: unknown, name: string): unknown => (typeof value === "object" && value !== null ? Reflect.get(value, name) : undefined);

function readStored(): StoredToken | undefined {
  try {
    const raw: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? "null");
    const [clientId, token, expiresAt] = [field(raw, "clientId"), field(raw, "token"), field(raw, "expiresAt")];
    if (typeof clientId !== "string" || typeof token !== "string" || typeof expiresAt !== "number") return undefined;
    return { clientId, token, expiresAt };
  } catch {
    return undefined;
  }
}

const jsonResponse = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** A fetch for the SDK: token requests answered from sessionStorage once, else sent with the secret (if known) and stored. */
function tokenKeepingFetch(clientId: string, secret: string | undefined, stored: StoredToken | undefined): typeof fetch {
  let reusable = stored?.clientId === clientId ? stored : undefined;
  return async (input, init) => {
    const request = new Request(input, init);
    if (new URL(request.url).pathname !== TOKEN_PATH) return globalThis.fetch(request);
    const cached = reusable;
    reusable = undefined; // a renewal or a refused token must not get the same one back
    if (cached && cached.expiresAt - Date.now() > REUSE_MARGIN_MS) {
      return jsonResponse(200, { access_token: cached.token, token_type: "Bearer", expires_in: Math.floor((cached.expiresAt - Date.now()) / 1000) });
    }
    if (secret === undefined) return jsonResponse(401, { message: "the session has expired: sign in again" });
    const res = await globalThis.fetch(request);
    if (res.ok) {
      const body: unknown = await res.clone().json();
      const [access_token, expires_in] = [field(body, "access_token"), field(body, "expires_in")];
      if (typeof access_token === "string" && typeof expires_in === "number") {
        sessionStorage.setItem(KEY, JSON.stringify({ clientId, token: access_token, expiresAt: Date.now() + expires_in * 1000 } satisfies StoredToken));
      }
    }
    return res;
  };
}

function open(clientId: string, secret: string | undefined, stored: StoredToken | undefined): Session {
  const client = createObrClient({
    baseUrl: location.origin,
    credentials: { clientId, clientSecret: secret ?? "" },
    fetch: tokenKeepingFetch(clientId, secret, stored),
    // the console shows what the server says rather than waiting long behind a spinner
    retry: { attempts: 3, maxDelayMs: 5_000 },
  });
  return { clientId, client };
}

/** Proves the credentials (a token) and keeps the session; throws the SDK's TokenError when refused. */
export async function signIn(clientId: string, secret: string): Promise<Session> {
  const session = open(clientId, secret, undefined);
  await session.client.token();
  return session;
}

/** The session this tab signed in with before a reload, while its stored token is still usable. */
export function resumeSession(): Session | undefined {
  const stored = readStored();
  if (!stored || stored.expiresAt - Date.now() <= REUSE_MARGIN_MS) return undefined;
  return open(stored.clientId, undefined, stored);
}

export function forgetSession(): void {
  sessionStorage.removeItem(KEY);
}
