// Builds the Fastify application: validation, error bodies, logging, OpenAPI, auth and routes.
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerFactory, LogController } from "fastify";
import type { Logger } from "pino";
import { AppError } from "../domain/app-error.ts";
import { clientErrorResponse, sendError, toAppError } from "./errors.ts";
import { ErrorResponseSchema } from "./error-schema.ts";
import { newRequestId } from "./request-id.ts";
import { type FastifyPinoLogger, lazyChildLogger } from "./request-logger.ts";
import { RouteIndex } from "./route-index.ts";

export interface AppOptions {
  logger: Logger;
  bodyLimitBytes: number;
  version: string;
  /** The server the app answers on (see listener.ts); Fastify then neither creates nor binds one. */
  serverFactory?: FastifyServerFactory;
  /** Fastify's trustProxy: false, true or the proxies' addresses (OBR_TRUST_PROXY). */
  trustProxy?: boolean | string;
}

function ajvFor(coerce: boolean): Ajv {
  // Bodies are validated strictly (no coercion, unknown fields refused, never silently removed);
  // query strings and path params arrive as text and are coerced.
  const ajv = new Ajv({ allErrors: false, coerceTypes: coerce ? "array" : false, useDefaults: true, removeAdditional: false, strict: false });
  addFormats.default(ajv);
  return ajv;
}

/** The request's one log line; its child logger already carries the debugId. */
function logRequest(log: FastifyPinoLogger, request: FastifyRequest, reply: FastifyReply): void {
  // The level is checked first so that nothing is built for a line that would not be written.
  if (!log.isLevelEnabled("info")) return;
  request.log.info(
    {
      method: request.method,
      path: request.url.split("?")[0],
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
    },
    "request",
  );
}

export async function createApp(options: AppOptions): Promise<{ app: FastifyInstance; routes: RouteIndex }> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "debugId" }),
    bodyLimit: options.bodyLimitBytes,
    genReqId: newRequestId,
    childLoggerFactory: lazyChildLogger,
    routerOptions: { maxParamLength: 256, ignoreTrailingSlash: true },
    ...(options.serverFactory ? { serverFactory: options.serverFactory } : {}),
    trustProxy: options.trustProxy ?? false,
    // Over-long path parameters (414) and bad percent-encoding (400) are refused by the router
    // before any hook: they get the GreenLake body too, and their request's log line.
    frameworkErrors: (err, request, reply) => {
      void sendError(request, reply, toAppError(err));
      logRequest(app.log as FastifyPinoLogger, request, reply); // no onResponse hook runs for these
    },
    // Requests Node's HTTP parser refuses (headers or URL over 16 KiB: 431) never reach Fastify:
    // answered here in the same body shape, with a debugId that the log line carries.
    clientErrorHandler(err: NodeJS.ErrnoException, socket) {
      if (err.code === "ECONNRESET" || socket.destroyed) return;
      const debugId = newRequestId();
      options.logger.info({ debugId, code: err.code, status: err.code === "HPE_HEADER_OVERFLOW" ? 431 : 400 }, "request refused by the HTTP parser");
      if (socket.writable) socket.end(clientErrorResponse(err.code, debugId));
      // Read what the client still sends until it closes, so that closing does not reset the
      // connection before the client has read the answer; bounded in time.
      socket.resume();
      setTimeout(() => socket.destroy(), 2000).unref();
    },
  });
  // Only JSON bodies (and forms on the token endpoints): anything else is 415, not a 400 later.
  app.removeContentTypeParser("text/plain");
  const bodyAjv = ajvFor(false);
  const queryAjv = ajvFor(true);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === "body" ? bodyAjv : queryAjv).compile(schema));
  // Handlers send JSON text themselves; response schemas serve validation in tests and OpenAPI.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addContentTypeParser("application/merge-patch+json", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(AppError.badRequest("request body is not valid JSON"), undefined);
    }
  });
  // Many HTTP clients send `Content-Type: application/json` on every POST, also on body-less
  // actions (power-off, refresh, run): an empty body is the empty object, not a 400. A route that
  // needs fields still refuses `{}` through its schema. Non-empty bodies keep Fastify's parser
  // (prototype-poisoning checks included).
  const jsonParser = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = String(body);
    if (text === "") return done(null, {});
    jsonParser(request, text, done);
  });
  app.addSchema(ErrorResponseSchema);

  const routes = new RouteIndex();
  app.addHook("onRoute", (route) => {
    // The interactive API page and its assets are public like /openapi.json.
    if (route.url.startsWith("/docs")) route.config = { ...route.config, public: true };
    for (const m of [route.method].flat()) if (m !== "HEAD") routes.add(m, route.url);
  });

  app.setErrorHandler((err, request, reply) => {
    const appError = toAppError(err);
    if (appError.httpStatusCode >= 500) request.log.error({ err, debugId: request.id }, "request failed");
    return sendError(request, reply, appError);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "/";
    const allowed = routes.allowed(path);
    if (allowed.length > 0) {
      const err = new AppError(405, "METHOD_NOT_ALLOWED", `method ${request.method} is not allowed on ${path}`, {
        headers: { allow: allowed.join(", ") },
      });
      return sendError(request, reply, err);
    }
    return sendError(request, reply, AppError.notFound(`no route ${request.method} ${path}`));
  });
  // One line per request. A callback hook: an async one costs a promise per request.
  const log = app.log as FastifyPinoLogger;
  app.addHook("onResponse", (request, reply, done) => {
    logRequest(log, request, reply);
    done();
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Open Backup & Recovery",
        version: options.version,
        description: "HPE GreenLake for Backup and Recovery REST API, self-hosted.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: "/docs", uiConfig: { docExpansion: "list" } });
  app.get("/openapi.json", { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  return { app, routes };
}
