// Every collection the server exposes, each a definition plus the service that handles its writes.
import type { DocumentRepository } from "../db/document-repository.ts";
import type { CollectionDefinition, CollectionHandlers } from "./resource/collection-definition.ts";
import { asyncOperations } from "./resources/async-operations.ts";
import { protectionPolicies } from "./resources/protection-policies.ts";
import { protectionPolicyHandlers } from "../services/protection-policies.ts";

export interface CollectionEntry {
  definition: CollectionDefinition;
  handlers: (repository: DocumentRepository) => CollectionHandlers;
}

export const COLLECTIONS: readonly CollectionEntry[] = [
  { definition: protectionPolicies, handlers: protectionPolicyHandlers },
  { definition: asyncOperations, handlers: (repository) => ({ repository }) },
];
