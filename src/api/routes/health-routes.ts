// Liveness/readiness for probes: answers 200 only when the database answers.
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import type { Database } from "../../db/database.ts";

export async function healthRoutes(app: FastifyInstance, database: Database, version: string): Promise<void> {
  app.get("/health", { config: { public: true }, schema: { tags: ["service"], security: [] } }, async (_req, reply) => {
    try {
      await sql`select 1`.execute(database.db);
      return { status: "ok", version, database: database.dialect };
    } catch {
      return reply.code(503).send({ status: "unavailable", version, database: database.dialect });
    }
  });
}
