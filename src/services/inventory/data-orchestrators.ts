// Data orchestrator records. Every workspace has the embedded orchestrator, the one built into the
// server: its record is created on first start for the bootstrap admin's workspace and on first
// use for any other. Its id is derived from the workspace id, so concurrent creators agree. Paired
// `obr orchestrator` processes (deployment SEPARATE) are added by orchestrator-pairing.ts.
import { createHash } from "node:crypto";
import type { DocumentRepository, StoredDocument, UnitOfWork } from "../ports/documents.ts";
import { DATA_ORCHESTRATORS_PATH, DATA_ORCHESTRATOR_TYPE } from "../../domain/inventory-paths.ts";
import { type OrchestratorFacts, factFields } from "../infrastructure/orchestrator-facts.ts";

/** A UUID (version 8, name-based) unique to the workspace's embedded data orchestrator. */
export function embeddedDataOrchestratorId(customerId: string): string {
  const h = createHash("sha256").update(`obr/embedded-data-orchestrator/${customerId}`).digest("hex");
  const variant = ((Number.parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export type Deployment = "EMBEDDED" | "SEPARATE";

export interface DataOrchestratorRef {
  id: string;
  resourceUri: string;
  type: string;
}

export interface OrchestratorDoc extends StoredDocument {
  name: string;
  displayName: string;
  connectionState: "CONNECTED" | "DISCONNECTED";
  state: string;
  stateReason?: string;
  status: string;
  deployment: Deployment;
  resourceUri: string;
}

/** A new orchestrator document with the facts it reported (embedded: this process's). */
export function newOrchestratorDoc(customerId: string, id: string, deployment: Deployment, displayName: string, facts: OrchestratorFacts, now: number): OrchestratorDoc {
  const at = new Date(now).toISOString();
  return {
    id,
    customerId,
    name: deployment === "EMBEDDED" ? "obr-embedded" : `obr-orchestrator-${id.slice(0, 8)}`,
    displayName,
    type: DATA_ORCHESTRATOR_TYPE,
    generation: 1,
    createdAt: at,
    updatedAt: at,
    resourceUri: `${DATA_ORCHESTRATORS_PATH}/${id}`,
    consoleUri: `/backup-and-recovery/data-orchestrators/${id}`,
    serialNumber: `OBR${id.replaceAll("-", "").slice(0, 12).toUpperCase()}`,
    platform: "VMWARE_ESXI",
    deployment,
    state: "OK",
    status: "OK",
    interfaces: { network: { hostname: facts.hostname } },
    remoteAccessEnabled: false,
    infosightEnabled: false,
    ...factFields(facts, now),
    connectionState: "CONNECTED",
  };
}

export class DataOrchestrators {
  readonly #repository: DocumentRepository;
  readonly #facts: () => OrchestratorFacts;

  /** `facts`: the embedded orchestrator's, i.e. this server process's. */
  constructor(repository: DocumentRepository, facts: () => OrchestratorFacts) {
    this.#repository = repository;
    this.#facts = facts;
  }

  get repository(): DocumentRepository {
    return this.#repository;
  }

  /** The workspace's embedded data orchestrator, created if absent. */
  async ensureEmbedded(customerId: string): Promise<StoredDocument> {
    const id = embeddedDataOrchestratorId(customerId);
    const existing = await this.#repository.get(customerId, id);
    if (existing) return existing;
    const now = this.#repository.clock.now();
    const doc = newOrchestratorDoc(customerId, id, "EMBEDDED", "Embedded data orchestrator", this.#facts(), now);
    // Another request or replica may create it first: then theirs stands.
    await this.#repository.insertIfAbsent(doc, { deployment: "EMBEDDED", heartbeat_at: now });
    return (await this.#repository.get(customerId, id)) ?? doc;
  }

  /** The id when it names a separate `obr orchestrator` (work for it is targeted there); else undefined. */
  async separate(customerId: string, id: string | undefined, uow?: UnitOfWork): Promise<string | undefined> {
    if (!id) return undefined;
    const doc = await this.#repository.get<OrchestratorDoc>(customerId, id, uow);
    return doc?.deployment === "SEPARATE" ? doc.id : undefined;
  }

  /** Reference to a data orchestrator of the workspace, or undefined if it has none by that id. */
  async find(customerId: string, id: string): Promise<DataOrchestratorRef | undefined> {
    await this.ensureEmbedded(customerId);
    const doc = await this.#repository.get(customerId, id);
    return doc ? { id: doc.id, resourceUri: `${DATA_ORCHESTRATORS_PATH}/${doc.id}`, type: DATA_ORCHESTRATOR_TYPE } : undefined;
  }
}
