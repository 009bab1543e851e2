// Data orchestrators as processes: how each one runs (embedded in the server or a separate paired
// process), when it last reported (epoch ms; a stale heartbeat turns it DISCONNECTED), its
// connection state mirrored for that sweep, the hash of the credential a separate one uses, and
// its TOTP seed (never part of the document, so never returned). Activations are the codes
// `obr orchestrator` processes announce while they wait to be paired.
import { type Kysely, sql } from "kysely";
import type { Dialect } from "../database.ts";

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  for (const [column, type] of [
    ["deployment", "text"],
    ["heartbeat_at", "bigint"],
    ["connection_state", "text"],
    ["credential_hash", "text"],
    ["totp_seed", "text"],
  ] as const) {
    await db.schema.alterTable("data_orchestrators").addColumn(column, type).execute();
  }
  // Every record before this migration is an embedded orchestrator.
  await sql`update data_orchestrators set deployment = 'EMBEDDED'`.execute(db);
  await db.schema.createIndex("data_orchestrators_heartbeat").on("data_orchestrators").columns(["connection_state", "heartbeat_at"]).execute();

  await db.schema
    .createTable("orchestrator_activations")
    .addColumn("activation_code", "text", (c) => c.primaryKey())
    .addColumn("poll_secret_hash", "text", (c) => c.notNull())
    .addColumn("facts", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("customer_id", "text")
    .addColumn("orchestrator_id", "text")
    .addColumn("credential_issued", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
}
