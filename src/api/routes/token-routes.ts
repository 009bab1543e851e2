// OAuth2 client-credentials at both GreenLake token endpoints, plus the JWKS that publishes the
// verification key. Credentials come as form fields (client_secret_post) or HTTP Basic.
import formbody from "@fastify/formbody";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type AttemptLimiter, tooManyAttempts } from "../../auth/attempt-limiter.ts";
import type { SigningKey } from "../../auth/signing-key.ts";
import type { Principal, TokenService } from "../../auth/tokens.ts";
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

/**
 * Checks credentials within the attempt limits. Every attempt reserves a slot before the secret
 * is checked, per source address and client id (10 a minute) and per source address (100 a
 * minute). Once the source is over its ceiling (many client ids sprayed from one address), a
 * client id that has not failed from there and has no attempt under way is still checked, one
 * attempt at a time, so a correct client behind the same address (a proxy, a NAT) gets in; its
 * failure answers 429 like any other attempt from the locked source.
 */
export async function limitedAuthenticate(
  deps: { clients: Pick<ApiClientService, "authenticate">; limiter: AttemptLimiter; sourceLimiter: AttemptLimiter },
  ip: string, creds: { id: string; secret: string }, workspace: string | undefined): Promise<Principal | undefined> {
  const clientKey = `${ip}|${creds.id}`;
  const clientSlot = deps.limiter.reserve(clientKey);
  const sourceSlot = deps.sourceLimiter.tryReserve(ip);
  if (!sourceSlot && !clientSlot.clean) {
    clientSlot.release();
    throw tooManyAttempts(deps.sourceLimiter.retryAfter(ip));
  }
  let principal: Principal | undefined;
  try {
    principal = await deps.clients.authenticate(creds.id, creds.secret);
  } catch (err) {
    clientSlot.release();
    sourceSlot?.release();
    throw err;
  }
  if (principal && (workspace === undefined || principal.customerId === workspace)) {
    clientSlot.release();
    sourceSlot?.release();
    return principal;
  }
  clientSlot.fail();
  if (sourceSlot) {
    sourceSlot.fail();
    return undefined;
  }
  throw tooManyAttempts(deps.sourceLimiter.retryAfter(ip));
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
    const principal = await limitedAuthenticate(deps, request.ip, creds, request.params.workspaceId);
    if (!principal) return oauthError(request, reply, AppError.unauthenticated("invalid client credentials"), "invalid_client");
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
