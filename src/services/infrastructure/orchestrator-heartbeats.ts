// Heartbeats: every orchestrator reports its facts every few seconds (the embedded one from the
// server's own loop, separate ones over HTTP). The document shows them; the heartbeat_at column
// (epoch ms) lets one sweep find orchestrators that stopped reporting and mark them DISCONNECTED,
// so the stored state, which lists filter on, stays true without a computation per read.
import type { DocumentRepository } from "../ports/documents.ts";
import type { OrchestratorRecords } from "../ports/orchestrator-records.ts";
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
  readonly #records: OrchestratorRecords;
  readonly #repository: DocumentRepository;
  readonly #staleMs: number;

  /** `staleMs`: an orchestrator silent this long is DISCONNECTED. */
  constructor(records: OrchestratorRecords, repository: DocumentRepository, staleMs: number) {
    this.#records = records;
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
      await this.#records.setHeartbeat(customerId, id, now, trx);
    });
  }

  /** A heartbeat of the embedded orchestrator: one record per workspace, all this process. */
  async beatEmbedded(facts: OrchestratorFacts, now = this.#repository.clock.now()): Promise<void> {
    for (const o of await this.#records.heartbeats({ deployment: "EMBEDDED" })) await this.beat(o.customerId, o.id, facts, now);
  }

  /** Marks every orchestrator whose last heartbeat is older than the threshold DISCONNECTED; how many. */
  async markStale(now = this.#repository.clock.now()): Promise<number> {
    const cutoff = now - this.#staleMs;
    const rows = await this.#records.heartbeats({ connectedSilentSince: cutoff });
    for (const row of rows) {
      const last = row.heartbeatAt === null ? "ever" : `since ${new Date(row.heartbeatAt).toISOString()}`;
      await this.#repository.transaction(async (trx) => {
        // Checked again inside the write: a heartbeat may have arrived since the select.
        const fresh = await this.#records.heartbeatAt(row.customerId, row.id, trx);
        if (fresh === undefined || (fresh !== null && fresh >= cutoff)) return;
        await this.#repository.update<OrchestratorDoc>(
          row.customerId,
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
    return (await this.#records.heartbeats()).map((r) => ({
      id: r.id,
      customerId: r.customerId,
      deployment: r.deployment,
      ageSeconds: r.heartbeatAt === null ? null : Math.max(0, (now - r.heartbeatAt) / 1000),
    }));
  }
}
