// OAuth2 client credentials for the SDK: one token at a time, fetched on first use and again
// shortly before it expires (or when the server says it no longer accepts it), never by two
// requests at once.
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  /**
   * Ask the workspace's own token endpoint (`/authorization/v2/oauth2/{workspaceId}/token`)
   * instead of the global `/as/token.oauth2`. Both give the same token.
   */
  workspaceId?: string;
}

/** A token request the server refused: wrong credentials, a locked-out client, a bad endpoint. */
export class TokenError extends Error {
  override readonly name = "TokenError";
  readonly status: number;

  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

/** Seconds before expiry at which a token is renewed, so no request leaves with one about to lapse. */
const RENEW_MARGIN_S = 60;

export class TokenSource {
  readonly #url: string;
  readonly #credentials: ClientCredentials;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  #token: { value: string; renewAt: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(baseUrl: string, credentials: ClientCredentials, fetchImpl: typeof fetch = fetch, now: () => number = Date.now) {
    const path = credentials.workspaceId ? `/authorization/v2/oauth2/${encodeURIComponent(credentials.workspaceId)}/token` : "/as/token.oauth2";
    this.#url = new URL(path, baseUrl).toString();
    this.#credentials = credentials;
    this.#fetch = fetchImpl;
    this.#now = now;
  }

  /** A token valid for at least the renewal margin (or for half its life when that is shorter). */
  token(): Promise<string> {
    if (this.#token && this.#now() < this.#token.renewAt) return Promise.resolve(this.#token.value);
    this.#pending ??= this.#request().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Forgets the token the server refused, so the next request gets a new one. */
  invalidate(refused: string): void {
    if (this.#token?.value === refused) this.#token = undefined;
  }

  async #request(): Promise<string> {
    const { clientId, clientSecret } = this.#credentials;
    const res = await this.#fetch(this.#url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret }),
    });
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok) throw new TokenError(`token request failed (${res.status}): ${describe(body)}`, res.status);
    const token = field(body, "access_token");
    const expiresIn = field(body, "expires_in");
    if (typeof token !== "string" || typeof expiresIn !== "number") throw new TokenError("token response lacks access_token or expires_in", res.status);
    const margin = Math.min(RENEW_MARGIN_S, expiresIn / 2);
    this.#token = { value: token, renewAt: this.#now() + (expiresIn - margin) * 1000 };
    return token;
  }
}

function field(body: unknown, name: string): unknown {
  return typeof body === "object" && body !== null && name in body ? Reflect.get(body, name) : undefined;
}

function describe(body: unknown): string {
  const message = field(body, "message") ?? field(body, "error_description") ?? field(body, "error");
  return typeof message === "string" ? message : "no error message";
}
