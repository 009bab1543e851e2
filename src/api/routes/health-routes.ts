// Liveness/readiness for probes: 503 `starting` until start-up work is done (see Readiness), then
// 200 while the database answers.
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import type { Database } from "../../db/database.ts";

/**
 * Whether start-up work is done. `obr serve` sets it once the bootstrap admin, credentials.json,
 * the demo inventory and the banner are there, so that a script waiting for /health can rely on them.
 */
export interface Readiness {
  ready: boolean;
}

export async function healthRoutes(app: FastifyInstance, database: Database, version: string, readiness: Readiness): Promise<void> {
  app.get("/health", { config: { public: true }, schema: { tags: ["service"], security: [] } }, async (_req, reply) => {
    if (!readiness.ready) return reply.code(503).header("retry-after", "1").send({ status: "starting", version, database: database.dialect });
    try {
      await sql`select 1`.execute(database.db);
      return { status: "ok", version, database: database.dialect };
    } catch {
      return reply.code(503).send({ status: "unavailable", version, database: database.dialect });
    }
  });
}
