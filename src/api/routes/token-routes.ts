// OAuth2 client-credentials at both GreenLake token endpoints, plus the JWKS that publishes the
// verification key. Credentials come as form fields (client_secret_post) or HTTP Basic.
import formbody from "@fastify/formbody";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AttemptLimiter } from "../../auth/attempt-limiter.ts";
import type { SigningKey } from "../../auth/signing-key.ts";
import type { TokenService } from "../../auth/tokens.ts";
import { AppError } from "../../domain/app-error.ts";
import type { ApiClientService } from "../../services/api-clients.ts";
import { sendError } from "../errors.ts";

interface TokenDeps {
  tokens: TokenService;
  clients: ApiClientService;
  /** Failures per address and client id. */
  limiter: AttemptLimiter;
  /** Failures per address, whatever the client id. */
  sourceLimiter: AttemptLimiter;
  signingKey: SigningKey;
}

function credentials(request: FastifyRequest): { id: string; secret: string } | undefined {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? "");
  if (basic) {
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return undefined;
    // RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64.
    const dec = (s: string) => decodeURIComponent(s.replaceAll("+", " "));
    try {
      return { id: dec(decoded.slice(0, colon)), secret: dec(decoded.slice(colon + 1)) };
    } catch {
      return undefined;
    }
  }
  if (typeof body.client_id === "string" && typeof body.client_secret === "string") {
    return { id: body.client_id, secret: body.client_secret };
  }
  return undefined;
}

const oauthError = (request: FastifyRequest, reply: FastifyReply, err: AppError, error: string) =>
  sendError(request, reply, err, { error });

export async function tokenRoutes(app: FastifyInstance, deps: TokenDeps): Promise<void> {
  await app.register(formbody, { bodyLimit: 16 * 1024 });

  const handler = async (request: FastifyRequest<{ Params: { workspaceId?: string } }>, reply: FastifyReply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (body.grant_type !== "client_credentials") {
      return oauthError(request, reply, AppError.badRequest("grant_type must be client_credentials"), "unsupported_grant_type");
    }
    const creds = credentials(request);
    if (!creds || creds.id.length > 256 || creds.secret.length > 1024) {
      return oauthError(request, reply, AppError.unauthenticated("client credentials are missing"), "invalid_client");
    }
    // Guessing one client's secret locks out that client from that address; a much higher
    // per-address ceiling stops spraying many client ids without locking out everyone behind
    // one reverse proxy because of a single bad script.
    const source = `${request.ip}|${creds.id}`;
    deps.sourceLimiter.check(request.ip);
    deps.limiter.check(source);
    const principal = await deps.clients.authenticate(creds.id, creds.secret);
    const workspace = request.params.workspaceId;
    if (!principal || (workspace !== undefined && principal.customerId !== workspace)) {
      deps.sourceLimiter.fail(request.ip);
      deps.limiter.fail(source);
      return oauthError(request, reply, AppError.unauthenticated("invalid client credentials"), "invalid_client");
    }
    const accessToken = await deps.tokens.issue(principal);
    reply.header("cache-control", "no-store").header("pragma", "no-cache");
    return { access_token: accessToken, token_type: "Bearer", expires_in: deps.tokens.ttlSeconds };
  };

  const config = { public: true };
  const schema = { tags: ["authentication"], consumes: ["application/x-www-form-urlencoded"], security: [] };
  app.post("/as/token.oauth2", { config, schema: { ...schema, summary: "OAuth2 client-credentials token" } }, handler);
  app.post(
    "/authorization/v2/oauth2/:workspaceId/token",
    { config, schema: { ...schema, summary: "Workspace-scoped OAuth2 client-credentials token" } },
    handler,
  );
  app.get("/.well-known/jwks.json", { config, schema: { tags: ["authentication"], security: [] } }, async () => ({
    keys: [deps.signingKey.publicJwk],
  }));
}
