// Pairing a separate `obr orchestrator` process. The process announces a random activation code
// with a poll secret only it knows, and prints the code. A user of a workspace posts the code
// (POST /data-orchestrators): that creates the orchestrator. The process, polling with its
// secret, then collects a credential, issued once; the server keeps only its SHA-256 (the
// secret is 256 random bits, so a slow hash adds nothing). Delete revokes it with the record.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { Value } from "typebox/value";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/app-error.ts";
import type { DocumentRepository } from "../ports/documents.ts";
import type { OrchestratorRecords } from "../ports/orchestrator-records.ts";
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
  readonly #records: OrchestratorRecords;
  readonly #repository: DocumentRepository;

  constructor(records: OrchestratorRecords, repository: DocumentRepository) {
    this.#records = records;
    this.#repository = repository;
  }

  /** A waiting process announces its code (again after a restart: the same code and secret). */
  async announce(activationCode: string, pollSecret: string, facts: OrchestratorFacts, now = this.#repository.clock.now()): Promise<void> {
    await this.#records.forgetUnpairedBefore(now - ACTIVATION_TTL_MS);
    const existing = await this.#records.activation(activationCode);
    if (existing) {
      if (!sameHash(existing.pollSecretHash, sha256(pollSecret))) throw AppError.conflict("this activation code is already announced");
      return;
    }
    if ((await this.#records.unpairedCount()) >= MAX_PENDING) throw new AppError(503, "SERVICE_UNAVAILABLE", "too many orchestrators are waiting to be paired; try again later");
    await this.#records.announce({ activationCode, pollSecretHash: sha256(pollSecret), facts: JSON.stringify(facts), createdAt: now });
  }

  /** POST /data-orchestrators: pairs a waiting process with the caller's workspace. */
  async pair(actor: Actor, activationCode: string, displayName: string | undefined, now = this.#repository.clock.now()): Promise<OrchestratorDoc> {
    const id = randomUUID();
    return this.#repository.transaction(async (trx) => {
      const row = await this.#records.activation(activationCode, trx);
      if (!row || row.pairedWith !== null || row.createdAt < now - ACTIVATION_TTL_MS) {
        throw AppError.badRequest(`activationCode '${activationCode}' is unknown, expired or already used; start \`obr orchestrator\` and use the code it prints`);
      }
      if (!(await this.#records.pairActivation(activationCode, actor.workspaceId, id, trx))) throw AppError.badRequest(`activationCode '${activationCode}' is already used`);
      const facts: unknown = JSON.parse(row.facts);
      if (!Value.Check(OrchestratorFactsSchema, facts)) throw AppError.badRequest(`activationCode '${activationCode}' was announced with unreadable facts; restart the orchestrator`);
      const doc = newOrchestratorDoc(actor.workspaceId, id, "SEPARATE", displayName ?? `obr orchestrator on ${facts.hostname}`, facts, now);
      await this.#repository.insert(doc, { heartbeat_at: now }, trx);
      return doc;
    });
  }

  /** Binds a new process's code to an existing orchestrator (recover): its next credential replaces the old. */
  rebind(customerId: string, orchestratorId: string, activationCode: string): Promise<boolean> {
    return this.#records.pairActivation(activationCode, customerId, orchestratorId);
  }

  /** Whether a code is announced and not yet paired. */
  async isPending(activationCode: string): Promise<boolean> {
    const row = await this.#records.activation(activationCode);
    return row !== undefined && row.pairedWith === null;
  }

  /** The waiting process asks whether it was paired; the credential is issued once, to it only. */
  async collect(activationCode: string, pollSecret: string): Promise<Collected> {
    return this.#repository.transaction(async (trx) => {
      const row = await this.#records.activation(activationCode, trx);
      if (!row || !sameHash(row.pollSecretHash, sha256(pollSecret))) throw AppError.notFound("no such activation; announce it first");
      if (row.pairedWith === null) return { paired: false };
      const { customerId, orchestratorId } = row.pairedWith;
      const alreadyIssued = () => AppError.conflict("the credential of this activation was already issued");
      if (row.credentialIssued || !(await this.#records.markCredentialIssued(activationCode, trx))) throw alreadyIssued();
      const secret = randomBytes(32).toString("base64url");
      if (!(await this.#records.setCredentialHash(customerId, orchestratorId, sha256(secret), trx))) throw AppError.notFound("the orchestrator of this activation was unregistered");
      return { paired: true, orchestratorId, credential: `${CREDENTIAL_PREFIX}.${orchestratorId}.${secret}` };
    });
  }

  /** Who presents this credential, or undefined (unknown, revoked by delete or replaced by recover). */
  async authenticate(credential: string): Promise<OrchestratorIdentity | undefined> {
    const [prefix, orchestratorId, secret, ...rest] = credential.split(".");
    if (prefix !== CREDENTIAL_PREFIX || !orchestratorId || !secret || rest.length > 0) return undefined;
    const held = await this.#records.credentialOf(orchestratorId);
    if (!held || !sameHash(held.credentialHash, sha256(secret))) return undefined;
    return { customerId: held.customerId, orchestratorId };
  }
}
