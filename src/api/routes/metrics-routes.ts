// GET /metrics in the Prometheus text format. Who may read it: with OBR_METRICS_LISTEN, anyone
// who reaches that separate address (keep it private) and not the API port; with
// OBR_METRICS_TOKEN, a scraper sending `Authorization: Bearer <token>`; with neither, an admin
// API client's access token. Every API request is observed by its route template (bounded labels).
import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { AppError } from "../../domain/app-error.ts";
import type { Metrics } from "../../services/metrics.ts";
import { createApp } from "../app.ts";

export interface MetricsAccess {
  token: string | undefined;
  listen: { host: string; port: number } | undefined;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1] ?? "");
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function serve(metrics: Metrics, token: string | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (token !== undefined && !tokenMatches(request.headers.authorization, token)) throw AppError.unauthenticated("send the metrics token: Authorization: Bearer <OBR_METRICS_TOKEN>");
    return reply.type(metrics.contentType).send(await metrics.text());
  };
}

/** Observes every request of the API and, unless a separate listener serves it, adds /metrics. */
export function metricsRoutes(app: FastifyInstance, metrics: Metrics, access: MetricsAccess): void {
  app.addHook("onResponse", (request, reply, done) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? "unmatched", reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  if (access.listen) return;
  const config = access.token !== undefined ? { public: true } : { minRole: "admin" as const };
  app.get("/metrics", { config, schema: { tags: ["service"], summary: "Prometheus metrics" } }, serve(metrics, access.token));
}

/** The separate metrics listener (OBR_METRICS_LISTEN): /metrics only, with the API's error bodies. */
export async function startMetricsListener(metrics: Metrics, access: MetricsAccess & { listen: { host: string; port: number } }, logger: Logger, version: string): Promise<FastifyInstance> {
  const { app } = await createApp({ logger, bodyLimitBytes: 1024, version });
  app.get("/metrics", { schema: { tags: ["service"], summary: "Prometheus metrics" } }, serve(metrics, access.token));
  await app.listen({ host: access.listen.host, port: access.listen.port });
  return app;
}
