// The embedded data orchestrator: registrations must name a data orchestrator
// (`dataOrchestratorId`), and until separate orchestrators exist every workspace has exactly one,
// the one built into the server. Its record is created on first start for the bootstrap admin's
// workspace and lazily for any other workspace the first time it registers something. The id is
// derived from the workspace id, so concurrent creators agree and no lookup table is needed.
import { createHash } from "node:crypto";
import type { DocumentRepository, StoredDocument } from "../../db/document-repository.ts";
import { nowIso } from "../../db/document-repository.ts";
import { DATA_ORCHESTRATORS_PATH, DATA_ORCHESTRATOR_TYPE } from "../../domain/inventory-paths.ts";

/** A UUID (version 8, name-based) unique to the workspace's embedded data orchestrator. */
export function embeddedDataOrchestratorId(customerId: string): string {
  const h = createHash("sha256").update(`obr/embedded-data-orchestrator/${customerId}`).digest("hex");
  const variant = ((Number.parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface DataOrchestratorRef {
  id: string;
  resourceUri: string;
  type: string;
}

export class DataOrchestrators {
  readonly #repository: DocumentRepository;
  readonly #version: string;

  constructor(repository: DocumentRepository, version: string) {
    this.#repository = repository;
    this.#version = version;
  }

  /** The workspace's embedded data orchestrator, created if absent. */
  async ensureEmbedded(customerId: string): Promise<StoredDocument> {
    const id = embeddedDataOrchestratorId(customerId);
    const existing = await this.#repository.get(customerId, id);
    if (existing) return existing;
    const now = nowIso();
    const doc: StoredDocument = {
      id,
      customerId,
      name: "obr-embedded",
      displayName: "Embedded data orchestrator",
      type: DATA_ORCHESTRATOR_TYPE,
      generation: 1,
      createdAt: now,
      updatedAt: now,
      resourceUri: `${DATA_ORCHESTRATORS_PATH}/${id}`,
      consoleUri: `/backup-and-recovery/data-orchestrators/${id}`,
      connectionState: "CONNECTED",
      state: "OK",
      status: "OK",
      softwareVersion: this.#version,
    };
    try {
      await this.#repository.insert(doc);
      return doc;
    } catch (err) {
      // Another request or replica created it first.
      const raced = await this.#repository.get(customerId, id);
      if (raced) return raced;
      throw err;
    }
  }

  /** Reference to a data orchestrator of the workspace, or undefined if it has none by that id. */
  async find(customerId: string, id: string): Promise<DataOrchestratorRef | undefined> {
    await this.ensureEmbedded(customerId);
    const doc = await this.#repository.get(customerId, id);
    return doc ? { id: doc.id, resourceUri: `${DATA_ORCHESTRATORS_PATH}/${doc.id}`, type: DATA_ORCHESTRATOR_TYPE } : undefined;
  }
}
