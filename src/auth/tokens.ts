// Access tokens: JWTs signed RS256, verified with the algorithm pinned, issuer, audience and expiry.
// Verified tokens are cached until they expire: verification dominates the cost of a cheap GET.
import { SignJWT, jwtVerify } from "jose";
import { type Actor, ROLES, type Role } from "../domain/actor.ts";
import { AppError } from "../domain/app-error.ts";
import { type SigningKey, TOKEN_ALG } from "./signing-key.ts";

export const TOKEN_ISSUER = "obr";
// compat: GreenLake's SSO issues tokens for the audience "external_api".
export const TOKEN_AUDIENCE = "external_api";

export { ROLES, type Role };

export interface Principal {
  /** The API client's id (row id) and its public client_id. */
  id: string;
  clientId: string;
  customerId: string;
  role: Role;
}

/** The actor a verified token speaks for: what services see of a request. */
export function actorOf(p: Principal): Actor {
  return { workspaceId: p.customerId, apiClientId: p.id, clientId: p.clientId, role: p.role };
}

const CACHE_MAX = 10_000;
/** 192 bits of an RS256 signature: distinct tokens practically never share them (and are compared in full when they do). */
const CACHE_KEY_CHARS = 32;
const cacheKey = (token: string): string => token.slice(-CACHE_KEY_CHARS);

export class TokenService {
  readonly #key: SigningKey;
  readonly #ttlSeconds: number;
  /**
   * Verified tokens by their last characters (signature bytes). A token arrives as a new string
   * each request, and hashing all of its ~700 characters for the lookup costs more than the rest
   * of the check; the entry keeps the whole token, compared in full.
   */
  readonly #cache = new Map<string, { token: string; principal: Principal; expMs: number }>();

  constructor(key: SigningKey, ttlSeconds: number) {
    this.#key = key;
    this.#ttlSeconds = ttlSeconds;
  }

  get ttlSeconds(): number {
    return this.#ttlSeconds;
  }

  async issue(p: Principal): Promise<string> {
    return new SignJWT({ cid: p.customerId, role: p.role, client_id: p.clientId })
      .setProtectedHeader({ alg: TOKEN_ALG, kid: this.#key.kid, typ: "JWT" })
      .setSubject(p.id)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.#ttlSeconds}s`)
      .sign(this.#key.privateKey);
  }

  /** The principal of a token verified before and not yet expired: no signature check, no promise. */
  cached(token: string): Principal | undefined {
    const hit = this.#cache.get(cacheKey(token));
    return hit && hit.token === token && hit.expMs > Date.now() ? hit.principal : undefined;
  }

  async verify(token: string): Promise<Principal> {
    const hit = this.cached(token);
    if (hit) return hit;
    try {
      const { payload } = await jwtVerify(token, this.#key.publicKey, {
        algorithms: [TOKEN_ALG],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        requiredClaims: ["exp", "sub", "cid", "role"],
      });
      const role = payload.role as Role;
      if (!ROLES.includes(role) || typeof payload.cid !== "string" || typeof payload.client_id !== "string") {
        throw new Error("malformed claims");
      }
      const principal: Principal = { id: payload.sub!, clientId: payload.client_id, customerId: payload.cid, role };
      if (this.#cache.size >= CACHE_MAX) this.#cache.clear();
      this.#cache.set(cacheKey(token), { token, principal, expMs: payload.exp! * 1000 });
      return principal;
    } catch {
      throw AppError.unauthenticated("the access token is invalid or expired");
    }
  }
}
