// Bearer authentication and role checks for every route not marked public.
import type { FastifyInstance } from "fastify";
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
    /** Least role allowed; GET routes default to read-only, others to operator. */
    minRole?: Role;
  }
}

const RANK: Record<Role, number> = { "read-only": 0, operator: 1, admin: 2 };

export function registerAuthHook(app: FastifyInstance, tokens: TokenService, clients: ApiClientService): void {
  app.decorateRequest("principal", null as unknown as Principal);
  app.addHook("onRequest", async (request) => {
    const config = request.routeOptions.config;
    // Unknown routes fall through to the 404/405 handler without a token check.
    if (config.public || request.routeOptions.url === undefined) return;
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw AppError.unauthenticated("missing bearer token: send Authorization: Bearer <access_token>");
    const principal = await tokens.verify(match[1]!);
    if (!(await clients.exists(principal.id))) throw AppError.unauthenticated("the API client of this token no longer exists");
    const needed = config.minRole ?? (request.method === "GET" ? "read-only" : "operator");
    if (RANK[principal.role] < RANK[needed]) {
      throw AppError.forbidden(`role '${principal.role}' may not ${request.method} ${request.routeOptions.url}; '${needed}' is needed`);
    }
    request.principal = principal;
  });
}
