// What the protection-store use cases and jobs share: the stored document, the services they
// reach, where a store's data lives, and the measured state written back into the document (GET
// serves the document, so a read never opens a store or loads its index).
import { join } from "node:path";
import type { DocumentRepository, StoredDocument } from "../ports/documents.ts";
import type { AsyncOperationService, ResourceRef, UnitOfWork } from "../async-operations.ts";
import type { S3TargetConfig } from "../../domain/schemas/s3-target-schemas.ts";
import type { StorageLocation } from "../../domain/storage-locations.ts";
import type { ChunkStoreLocation } from "./chunk-stores.ts";
import type { CopiesOfStore } from "./copies-of-store.ts";
import type { StoreKeys } from "./store-keys.ts";
import type { StoreRegistry } from "./store-registry.ts";
import type { StorageSystemRef, StorageSystems, StorageSystemType } from "./storage-systems.ts";

export const PROTECTION_STORES_PATH = "/backup-recovery/v1beta1/protection-stores";
export const PROTECTION_STORE_TYPE = "backup-recovery/protection-store";
const DATA_ORCHESTRATORS_PATH = "/backup-recovery/v1beta1/data-orchestrators";

export interface ProtectionStoreDoc extends StoredDocument {
  name: string;
  displayName: string;
  type: string;
  resourceUri: string;
  consoleUri: string;
  protectionStoreType: "ON_PREMISES" | "CLOUD";
  connectedState: "CONNECTED" | "DISCONNECTED";
  state: "OFFLINE" | "ONLINE" | "READ_ONLY" | "NOT_READY" | "STORE_FAILURE";
  stateReason?: string;
  status: "OK" | "ERROR" | "WARNING";
  storageSystemInfo?: { id: string; displayName: string; resourceUri: string; type: StorageSystemType };
  dataOrchestratorInfo: { id: string; resourceUri: string }[];
  region?: string;
  storageLocationInfo?: { id: string; name: string; resourceUri: string; type: string };
  maxCapacityInBytes?: number;
  sizeOnDiskInBytes: number;
  userDataStoredInBytes: number;
  deduplicationRatio: number;
  encrypted: boolean;
}

export interface ProtectionStoreContext {
  repository: DocumentRepository;
  operations: AsyncOperationService;
  storageSystems: StorageSystems;
  registry: StoreRegistry;
  keys: StoreKeys;
  copies: CopiesOfStore;
  /** Cloud stores without an S3 target live in <cloudRoot>/<region>/<store id> (a directory standing in for a bucket). */
  cloudRoot: string;
  /** The storage locations cloud stores may be created in (GET /data-services/v1beta1/storage-locations). */
  locations: readonly StorageLocation[];
  /** Region -> the S3 target new cloud stores of that location are made in (OBR_S3_TARGETS); empty: directories. */
  s3Targets: ReadonlyMap<string, S3TargetConfig>;
  /** Tells the local worker that a job was queued. */
  wake(): void;
}

export const storeResource = (doc: ProtectionStoreDoc): ResourceRef => ({ name: doc.displayName, resourceUri: doc.resourceUri, type: PROTECTION_STORE_TYPE });

/** The contract's references to the system and the data orchestrators that move data into it. */
export function systemFields(system: StorageSystemRef): Pick<ProtectionStoreDoc, "storageSystemInfo" | "dataOrchestratorInfo"> {
  return {
    storageSystemInfo: { ...system.info },
    dataOrchestratorInfo: system.dataOrchestratorIds.map((id) => ({ id, resourceUri: `${DATA_ORCHESTRATORS_PATH}/${id}` })),
  };
}

/** Why a store cannot be reached, as the document's stateReason (the contract allows 255 characters). */
const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err)).slice(0, 255);

/**
 * Where the store's data lives and its key. Undefined when an on-premises store's storage system
 * is gone (its data went with it). A cloud store's key is created when `create` says so; it lives
 * in the bucket it was made in (its kept S3 target), else in a directory of the data dir.
 */
export async function locate(ctx: ProtectionStoreContext, doc: ProtectionStoreDoc, create = false, uow?: UnitOfWork): Promise<StoreLocation | undefined> {
  if (doc.protectionStoreType === "CLOUD") {
    const key = create ? await ctx.keys.ensure(doc.id) : await ctx.keys.get(doc.id);
    const keyed = key !== undefined ? { key } : {};
    const s3 = await ctx.keys.target(doc.id);
    return s3 ? { s3, ...keyed } : { dir: join(ctx.cloudRoot, doc.region ?? "unknown", doc.id), ...keyed };
  }
  const systemId = doc.storageSystemInfo?.id;
  const system = systemId ? await ctx.storageSystems.find(doc.customerId, systemId, uow) : undefined;
  return system ? { dir: join(system.storeRoot, doc.id), system } : undefined;
}

/**
 * The open chunk store behind the document; undefined when its storage system is gone with its
 * data. Inside a transaction pass it (`uow`): on SQLite a read outside it waits for it to end.
 */
export async function openLocated(ctx: ProtectionStoreContext, doc: ProtectionStoreDoc, uow?: UnitOfWork) {
  const location = await locate(ctx, doc, false, uow);
  return location ? ctx.registry.open(doc.id, location) : undefined;
}

/** A store's location, with the storage system hosting it (on-premises stores). */
export type StoreLocation = ChunkStoreLocation & { system?: StorageSystemRef };

export interface RefreshOptions {
  /** Data was written to or removed from the store: its cached statistics are stale. */
  written?: boolean;
  /** The operation that holds the store ends here: its measured state replaces NOT_READY. */
  settle?: boolean;
  /** The transaction to read and write in (an undo commits with the job's end). */
  uow?: UnitOfWork;
}

/**
 * Measures the store (the registry's cached statistics unless `written` says they are stale)
 * and writes state, health and sizes into its document; a store that cannot be opened is
 * STORE_FAILURE with the store's error as the reason. While an operation holds the store
 * (NOT_READY), only the sizes change unless `settle`. Returns the document as stored.
 */
export async function refreshStore(ctx: ProtectionStoreContext, customerId: string, storeId: string, options: RefreshOptions = {}): Promise<ProtectionStoreDoc | undefined> {
  const doc = await ctx.repository.get<ProtectionStoreDoc>(customerId, storeId, options.uow);
  if (!doc) return undefined;
  if (options.written) ctx.registry.written(storeId);
  let measured: Partial<ProtectionStoreDoc>;
  try {
    const location = await locate(ctx, doc);
    if (!location) throw new Error(`storage system ${doc.storageSystemInfo?.id ?? "(none)"} no longer exists`);
    const stats = await ctx.registry.stats(storeId, location);
    measured = {
      state: "ONLINE",
      status: "OK",
      connectedState: "CONNECTED",
      sizeOnDiskInBytes: stats.storedBytes,
      userDataStoredInBytes: stats.logicalBytes,
      deduplicationRatio: Math.round(stats.dedupRatio * 100) / 100,
      ...(location.system ? { maxCapacityInBytes: location.system.capacityBytes } : {}),
    };
  } catch (err) {
    measured = { state: "STORE_FAILURE", status: "ERROR", stateReason: reasonOf(err) };
  }
  const apply = (current: ProtectionStoreDoc): ProtectionStoreDoc => {
    if (current.state === "NOT_READY" && !options.settle) {
      const { state: _s, status: _h, stateReason: _r, connectedState: _c, ...sizes } = measured;
      return { ...current, ...sizes };
    }
    const next = { ...current, ...measured };
    if (measured.state === "ONLINE") delete next.stateReason;
    return next;
  };
  // Unchanged measurements are not written: the generation moves only when something did.
  const next = apply({ ...doc });
  if ([...Object.keys(measured), "stateReason"].every((k) => next[k] === doc[k])) return doc;
  return ctx.repository.update<ProtectionStoreDoc>(customerId, storeId, undefined, apply, options.uow);
}
