// Pairing a separate `obr orchestrator` process. The process announces a random activation code
// with a poll secret only it knows, and prints the code. A user of a workspace posts the code
// (POST /data-orchestrators): that creates the orchestrator. The process, polling with its
// secret, then collects a credential, issued once; the server keeps only its SHA-256 (the
// secret is 256 random bits, so a slow hash adds nothing). Delete revokes it with the record.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { Kysely } from "kysely";
import { Value } from "typebox/value";
import type { Database } from "../../db/database.ts";
import type { Tables } from "../../db/tables.ts";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/app-error.ts";
import type { DocumentRepository } from "../ports/documents.ts";
import { OrchestratorFactsSchema } from "../../domain/schemas/orchestrator-protocol-schemas.ts";
import { type OrchestratorDoc, newOrchestratorDoc } from "../inventory/data-orchestrators.ts";
import type { OrchestratorFacts } from "./orchestrator-facts.ts";

/** An announced code nobody paired within this time is forgotten. */
const ACTIVATION_TTL_MS = 24 * 3600_000;
/** Unpaired announcements kept at most (the announce route needs no token). */
const MAX_PENDING = 1000;
const CREDENTIAL_PREFIX = "obro";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type Collected = { paired: false } | { paired: true; orchestratorId: string; credential: string };

export interface OrchestratorIdentity {
  customerId: string;
  orchestratorId: string;
}

export class OrchestratorPairing {
  readonly #db: Kysely<Tables>;
  readonly #repository: DocumentRepository;

  constructor(database: Database, repository: DocumentRepository) {
    this.#db = database.db;
    this.#repository = repository;
  }

  /** A waiting process announces its code (again after a restart: the same code and secret). */
  async announce(activationCode: string, pollSecret: string, facts: OrchestratorFacts, now = this.#repository.clock.now()): Promise<void> {
    await this.#db.deleteFrom("orchestrator_activations").where("created_at", "<", now - ACTIVATION_TTL_MS).where("orchestrator_id", "is", null).execute();
    const existing = await this.#db.selectFrom("orchestrator_activations").select("poll_secret_hash").where("activation_code", "=", activationCode).executeTakeFirst();
    if (existing) {
      if (!sameHash(existing.poll_secret_hash, sha256(pollSecret))) throw AppError.conflict("this activation code is already announced");
      return;
    }
    const pending = await this.#db.selectFrom("orchestrator_activations").select((eb) => eb.fn.countAll<number>().as("n")).where("orchestrator_id", "is", null).executeTakeFirst();
    if (Number(pending?.n ?? 0) >= MAX_PENDING) throw new AppError(503, "SERVICE_UNAVAILABLE", "too many orchestrators are waiting to be paired; try again later");
    await this.#db
      .insertInto("orchestrator_activations")
      .values({ activation_code: activationCode, poll_secret_hash: sha256(pollSecret), facts: JSON.stringify(facts), created_at: now, customer_id: null, orchestrator_id: null, credential_issued: 0 })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  /** POST /data-orchestrators: pairs a waiting process with the caller's workspace. */
  async pair(actor: Actor, activationCode: string, displayName: string | undefined, now = this.#repository.clock.now()): Promise<OrchestratorDoc> {
    const id = randomUUID();
    return this.#repository.transaction(async (trx) => {
      const row = await trx.selectFrom("orchestrator_activations").selectAll().where("activation_code", "=", activationCode).executeTakeFirst();
      if (!row || row.orchestrator_id !== null || Number(row.created_at) < now - ACTIVATION_TTL_MS) {
        throw AppError.badRequest(`activationCode '${activationCode}' is unknown, expired or already used; start \`obr orchestrator\` and use the code it prints`);
      }
      const taken = await trx
        .updateTable("orchestrator_activations")
        .set({ customer_id: actor.workspaceId, orchestrator_id: id })
        .where("activation_code", "=", activationCode)
        .where("orchestrator_id", "is", null)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) !== 1) throw AppError.badRequest(`activationCode '${activationCode}' is already used`);
      const facts: unknown = JSON.parse(row.facts);
      if (!Value.Check(OrchestratorFactsSchema, facts)) throw AppError.badRequest(`activationCode '${activationCode}' was announced with unreadable facts; restart the orchestrator`);
      const doc = newOrchestratorDoc(actor.workspaceId, id, "SEPARATE", displayName ?? `obr orchestrator on ${facts.hostname}`, facts, now);
      await this.#repository.insert(doc, { heartbeat_at: now }, trx);
      return doc;
    });
  }

  /** Binds a new process's code to an existing orchestrator (recover): its next credential replaces the old. */
  async rebind(customerId: string, orchestratorId: string, activationCode: string): Promise<boolean> {
    const r = await this.#db
      .updateTable("orchestrator_activations")
      .set({ customer_id: customerId, orchestrator_id: orchestratorId })
      .where("activation_code", "=", activationCode)
      .where("orchestrator_id", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Whether a code is announced and not yet paired. */
  async isPending(activationCode: string): Promise<boolean> {
    const row = await this.#db.selectFrom("orchestrator_activations").select("orchestrator_id").where("activation_code", "=", activationCode).executeTakeFirst();
    return row !== undefined && row.orchestrator_id === null;
  }

  /** The waiting process asks whether it was paired; the credential is issued once, to it only. */
  async collect(activationCode: string, pollSecret: string): Promise<Collected> {
    return this.#repository.transaction(async (trx) => {
      const row = await trx.selectFrom("orchestrator_activations").selectAll().where("activation_code", "=", activationCode).executeTakeFirst();
      if (!row || !sameHash(row.poll_secret_hash, sha256(pollSecret))) throw AppError.notFound("no such activation; announce it first");
      if (row.orchestrator_id === null || row.customer_id === null) return { paired: false };
      if (Number(row.credential_issued) === 1) throw AppError.conflict("the credential of this activation was already issued");
      const secret = randomBytes(32).toString("base64url");
      const issued = await trx
        .updateTable("orchestrator_activations")
        .set({ credential_issued: 1 })
        .where("activation_code", "=", activationCode)
        .where("credential_issued", "=", 0)
        .executeTakeFirst();
      if (Number(issued.numUpdatedRows) !== 1) throw AppError.conflict("the credential of this activation was already issued");
      const r = await trx
        .updateTable("data_orchestrators")
        .set({ credential_hash: sha256(secret) })
        .where("customer_id", "=", row.customer_id)
        .where("id", "=", row.orchestrator_id)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw AppError.notFound("the orchestrator of this activation was unregistered");
      return { paired: true, orchestratorId: row.orchestrator_id, credential: `${CREDENTIAL_PREFIX}.${row.orchestrator_id}.${secret}` };
    });
  }

  /** Who presents this credential, or undefined (unknown, revoked by delete or replaced by recover). */
  async authenticate(credential: string): Promise<OrchestratorIdentity | undefined> {
    const [prefix, orchestratorId, secret, ...rest] = credential.split(".");
    if (prefix !== CREDENTIAL_PREFIX || !orchestratorId || !secret || rest.length > 0) return undefined;
    const row = await this.#db.selectFrom("data_orchestrators").select(["customer_id", "credential_hash"]).where("id", "=", orchestratorId).executeTakeFirst();
    if (!row?.credential_hash || !sameHash(row.credential_hash, sha256(secret))) return undefined;
    return { customerId: row.customer_id, orchestratorId };
  }
}
