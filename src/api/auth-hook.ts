// Bearer authentication and role checks for every route not marked public.
import type { FastifyContextConfig, FastifyInstance, FastifyRequest } from "fastify";
import type { Principal, Role, TokenService } from "../auth/tokens.ts";
import { AppError } from "../domain/app-error.ts";
import type { ApiClientService } from "../services/api-clients.ts";

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** No token needed (token endpoints, health, docs). */
    public?: boolean;
    /** Least role allowed; GET and HEAD default to read-only, others to operator. */
    minRole?: Role;
  }
}

const BEARER = "Bearer ";
const RANK: Record<Role, number> = { "read-only": 0, operator: 1, admin: 2 };
/** Methods that only read: a read-only client may use them (HEAD is a GET without the body). */
const READS = new Set(["GET", "HEAD"]);

function bearerToken(header: string | undefined): string {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw AppError.unauthenticated("missing bearer token: send Authorization: Bearer <access_token>");
  return match[1]!;
}

export function registerAuthHook(app: FastifyInstance, tokens: TokenService, clients: ApiClientService): void {
  app.decorateRequest("principal", null as unknown as Principal);

  // The role is the client's current one, not the one its token was issued with: a changed role
  // (PATCH /obr/v1/api-clients/{id}) applies to tokens already issued.
  const authenticate = async (token: string): Promise<Principal> => {
    const principal = await tokens.verify(token);
    const role = await clients.currentRole(principal.id);
    if (!role) throw AppError.unauthenticated("the API client of this token no longer exists");
    return role === principal.role ? principal : { ...principal, role };
  };
  const authorize = (request: FastifyRequest, principal: Principal, config: FastifyContextConfig, url: string): void => {
    const needed = config.minRole ?? (READS.has(request.method) ? "read-only" : "operator");
    if (RANK[principal.role] < RANK[needed]) {
      throw AppError.forbidden(`role '${principal.role}' may not ${request.method} ${url}; '${needed}' is needed`);
    }
    request.principal = principal;
  };

  // A callback hook, not an async one: the common case (a token verified before, of a client
  // seen in the last seconds) then runs without a promise. Throwing here fails the request as a
  // rejection would.
  app.addHook("onRequest", (request, _reply, done) => {
    const { config, url } = request.routeOptions;
    // Unknown routes fall through to the 404/405 handler without a token check.
    if (config.public || url === undefined) return done();
    const header = request.headers.authorization;
    // "Bearer <token>" as clients send it skips the regular expression: a cached token has no
    // whitespace (it matched \S+ once), so bearerToken() would return this very token.
    const known = header?.startsWith(BEARER) ? tokens.cached(header.slice(BEARER.length)) : undefined;
    const role = known && clients.cachedRole(known.id);
    if (known && role) {
      authorize(request, role === known.role ? known : { ...known, role }, config, url);
      return done();
    }
    authenticate(bearerToken(header))
      .then((principal) => authorize(request, principal, config, url))
      .then(() => done(), done);
  });
}
