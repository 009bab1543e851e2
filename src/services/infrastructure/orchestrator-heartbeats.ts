// Heartbeats: every orchestrator reports its facts every few seconds (the embedded one from the
// server's own loop, separate ones over HTTP). The document shows them; the heartbeat_at column
// (epoch ms) lets one sweep find orchestrators that stopped reporting and mark them DISCONNECTED,
// so the stored state, which lists filter on, stays true without a computation per read.
import type { Kysely } from "kysely";
import type { Database } from "../../db/database.ts";
import type { DocumentRepository } from "../ports/documents.ts";
import type { Tables } from "../../db/tables.ts";
import type { OrchestratorDoc } from "../inventory/data-orchestrators.ts";
import { type OrchestratorFacts, factFields } from "./orchestrator-facts.ts";

export interface HeartbeatAge {
  id: string;
  customerId: string;
  deployment: string;
  /** Seconds since the last heartbeat (null: never). */
  ageSeconds: number | null;
}

export class OrchestratorHeartbeats {
  readonly #db: Kysely<Tables>;
  readonly #repository: DocumentRepository;
  readonly #staleMs: number;

  /** `staleMs`: an orchestrator silent this long is DISCONNECTED. */
  constructor(database: Database, repository: DocumentRepository, staleMs: number) {
    this.#db = database.db;
    this.#repository = repository;
    this.#staleMs = staleMs;
  }

  /** Records a heartbeat of one orchestrator: its facts, CONNECTED, and the time. */
  async beat(customerId: string, id: string, facts: OrchestratorFacts, now = this.#repository.clock.now()): Promise<void> {
    await this.#repository.transaction(async (trx) => {
      await this.#repository.update<OrchestratorDoc>(
        customerId,
        id,
        undefined,
        (doc) => {
          const next: OrchestratorDoc = { ...doc, ...factFields(facts, now), connectionState: "CONNECTED" };
          if (doc.connectionState === "DISCONNECTED" && next.stateReason?.startsWith("no heartbeat")) {
            delete next.stateReason;
            next.status = "OK";
          }
          return next;
        },
        trx,
      );
      await trx.updateTable("data_orchestrators").set({ heartbeat_at: now }).where("customer_id", "=", customerId).where("id", "=", id).execute();
    });
  }

  /** A heartbeat of the embedded orchestrator: one record per workspace, all this process. */
  async beatEmbedded(facts: OrchestratorFacts, now = this.#repository.clock.now()): Promise<void> {
    const rows = await this.#db.selectFrom("data_orchestrators").select(["id", "customer_id"]).where("deployment", "=", "EMBEDDED").execute();
    for (const row of rows) await this.beat(row.customer_id, row.id, facts, now);
  }

  /** Marks every orchestrator whose last heartbeat is older than the threshold DISCONNECTED; how many. */
  async markStale(now = this.#repository.clock.now()): Promise<number> {
    const cutoff = now - this.#staleMs;
    const rows = await this.#db
      .selectFrom("data_orchestrators")
      .select(["id", "customer_id", "heartbeat_at"])
      .where("connection_state", "=", "CONNECTED")
      .where((eb) => eb.or([eb("heartbeat_at", "<", cutoff), eb("heartbeat_at", "is", null)]))
      .execute();
    for (const row of rows) {
      const last = row.heartbeat_at === null ? "ever" : `since ${new Date(Number(row.heartbeat_at)).toISOString()}`;
      await this.#repository.transaction(async (trx) => {
        // Checked again inside the write: a heartbeat may have arrived since the select.
        const fresh = await trx.selectFrom("data_orchestrators").select("heartbeat_at").where("id", "=", row.id).where("customer_id", "=", row.customer_id).executeTakeFirst();
        if (!fresh || (fresh.heartbeat_at !== null && Number(fresh.heartbeat_at) >= cutoff)) return;
        await this.#repository.update<OrchestratorDoc>(
          row.customer_id,
          row.id,
          undefined,
          (doc) => ({ ...doc, connectionState: "DISCONNECTED", status: "WARNING", stateReason: `no heartbeat ${last}` }),
          trx,
        );
      });
    }
    return rows.length;
  }

  /** Heartbeat age of every orchestrator (the metrics endpoint). */
  async ages(now = this.#repository.clock.now()): Promise<HeartbeatAge[]> {
    const rows = await this.#db.selectFrom("data_orchestrators").select(["id", "customer_id", "deployment", "heartbeat_at"]).execute();
    return rows.map((r) => ({
      id: r.id,
      customerId: r.customer_id,
      deployment: r.deployment ?? "EMBEDDED",
      ageSeconds: r.heartbeat_at === null ? null : Math.max(0, (now - Number(r.heartbeat_at)) / 1000),
    }));
  }
}
