// OrchestratorRecords (src/services/ports/orchestrator-records.ts) on the data_orchestrators
// table's private columns and the orchestrator_activations table.
import type { Kysely } from "kysely";
import type { Activation, Heartbeat, OrchestratorRecords } from "../services/ports/orchestrator-records.ts";
import type { Database } from "./database.ts";
import type { OrchestratorActivationRow, Tables } from "./tables.ts";

const activation = (r: OrchestratorActivationRow): Activation => ({
  activationCode: r.activation_code,
  pollSecretHash: r.poll_secret_hash,
  facts: r.facts,
  createdAt: Number(r.created_at),
  pairedWith: r.customer_id !== null && r.orchestrator_id !== null ? { customerId: r.customer_id, orchestratorId: r.orchestrator_id } : null,
  credentialIssued: Number(r.credential_issued) === 1,
});

export class SqlOrchestratorRecords implements OrchestratorRecords {
  readonly #db: Kysely<Tables>;

  constructor(database: Database) {
    this.#db = database.db;
  }

  async setHeartbeat(customerId: string, id: string, at: number, uow: Kysely<Tables>): Promise<void> {
    await uow.updateTable("data_orchestrators").set({ heartbeat_at: at }).where("customer_id", "=", customerId).where("id", "=", id).execute();
  }

  async heartbeatAt(customerId: string, id: string, uow: Kysely<Tables>): Promise<number | null | undefined> {
    const row = await uow.selectFrom("data_orchestrators").select("heartbeat_at").where("customer_id", "=", customerId).where("id", "=", id).executeTakeFirst();
    if (!row) return undefined;
    return row.heartbeat_at === null ? null : Number(row.heartbeat_at);
  }

  async heartbeats(filter: { deployment?: string; connectedSilentSince?: number } = {}): Promise<Heartbeat[]> {
    let q = this.#db.selectFrom("data_orchestrators").select(["id", "customer_id", "deployment", "heartbeat_at"]);
    if (filter.deployment !== undefined) q = q.where("deployment", "=", filter.deployment);
    const since = filter.connectedSilentSince;
    if (since !== undefined) q = q.where("connection_state", "=", "CONNECTED").where((eb) => eb.or([eb("heartbeat_at", "<", since), eb("heartbeat_at", "is", null)]));
    return (await q.execute()).map((r) => ({
      id: r.id,
      customerId: r.customer_id,
      deployment: r.deployment ?? "EMBEDDED",
      heartbeatAt: r.heartbeat_at === null ? null : Number(r.heartbeat_at),
    }));
  }

  async forgetUnpairedBefore(cutoff: number): Promise<void> {
    await this.#db.deleteFrom("orchestrator_activations").where("created_at", "<", cutoff).where("orchestrator_id", "is", null).execute();
  }

  async activation(activationCode: string, uow: Kysely<Tables> = this.#db): Promise<Activation | undefined> {
    const row = await uow.selectFrom("orchestrator_activations").selectAll().where("activation_code", "=", activationCode).executeTakeFirst();
    return row && activation(row);
  }

  async unpairedCount(): Promise<number> {
    const row = await this.#db.selectFrom("orchestrator_activations").select((eb) => eb.fn.countAll<number>().as("n")).where("orchestrator_id", "is", null).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async announce(a: Omit<Activation, "pairedWith" | "credentialIssued">): Promise<void> {
    await this.#db
      .insertInto("orchestrator_activations")
      .values({ activation_code: a.activationCode, poll_secret_hash: a.pollSecretHash, facts: a.facts, created_at: a.createdAt, customer_id: null, orchestrator_id: null, credential_issued: 0 })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async pairActivation(activationCode: string, customerId: string, orchestratorId: string, uow: Kysely<Tables> = this.#db): Promise<boolean> {
    const r = await uow
      .updateTable("orchestrator_activations")
      .set({ customer_id: customerId, orchestrator_id: orchestratorId })
      .where("activation_code", "=", activationCode)
      .where("orchestrator_id", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async markCredentialIssued(activationCode: string, uow: Kysely<Tables>): Promise<boolean> {
    const r = await uow.updateTable("orchestrator_activations").set({ credential_issued: 1 }).where("activation_code", "=", activationCode).where("credential_issued", "=", 0).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async forgetActivationsOf(customerId: string, orchestratorId: string, uow: Kysely<Tables>): Promise<void> {
    await uow.deleteFrom("orchestrator_activations").where("customer_id", "=", customerId).where("orchestrator_id", "=", orchestratorId).execute();
  }

  async setCredentialHash(customerId: string, id: string, hash: string, uow: Kysely<Tables>): Promise<boolean> {
    const r = await uow.updateTable("data_orchestrators").set({ credential_hash: hash }).where("customer_id", "=", customerId).where("id", "=", id).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async credentialOf(orchestratorId: string): Promise<{ customerId: string; credentialHash: string } | undefined> {
    const row = await this.#db.selectFrom("data_orchestrators").select(["customer_id", "credential_hash"]).where("id", "=", orchestratorId).executeTakeFirst();
    return row?.credential_hash ? { customerId: row.customer_id, credentialHash: row.credential_hash } : undefined;
  }

  async totpSeed(customerId: string, id: string): Promise<string | undefined> {
    const row = await this.#db.selectFrom("data_orchestrators").select("totp_seed").where("customer_id", "=", customerId).where("id", "=", id).executeTakeFirst();
    return row?.totp_seed ?? undefined;
  }

  async initTotpSeed(customerId: string, id: string, seed: string): Promise<string> {
    await this.#db.updateTable("data_orchestrators").set({ totp_seed: seed }).where("customer_id", "=", customerId).where("id", "=", id).where("totp_seed", "is", null).execute();
    return (await this.totpSeed(customerId, id)) ?? seed;
  }
}
