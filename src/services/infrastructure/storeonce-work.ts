// A lab StoreOnce is a storage host kept in a directory of the server, <data dir>/storeonce/<name>,
// addressed as storeonce://<name>. Its capacity is the real filesystem's; what it uses is what
// its directory holds.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { DocumentRepository, StoredDocument } from "../ports/documents.ts";
import { nowIso, systemClock } from "../../domain/clock.ts";
import { AppError } from "../../domain/app-error.ts";
import type { StoreOnceHealthState } from "../../domain/schemas/storeonce-schemas.ts";
import type { ResourceRef, UnitOfWork } from "../async-operations.ts";
import { directoryBytes, filesystemSpace } from "../../platform/disk-usage.ts";
import type { StorageSystemSecrets } from "./storage-system-secrets.ts";

export const STOREONCES_PATH = "/backup-recovery/v1beta1/storeonces";
export const STOREONCE_TYPE = "backup-recovery/storeonce";
export const STOREONCE_SCHEME = "storeonce://";
const APPLIANCE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface StoreOnceDoc extends StoredDocument {
  name: string;
  type: string;
  resourceUri: string;
  serialNumber: string;
  description?: string;
  softwareVersion: string;
  network: { hostname: string };
  health: { state: StoreOnceHealthState; status: "SO_HEALTH_STATUS_CONNECTED" | "SO_HEALTH_STATUS_DISCONNECTED"; stateReason: string | null; updatedAt: string };
  storage?: {
    capacityLicensedBytes: number;
    capacityUnlicensedBytes: number;
    configuredStorageBytes: number;
    freeBytes: number;
    usedBytes: number;
    unconfiguredStorageBytes: number;
    state: "OK" | "ERROR" | "WARNING";
  };
  dataOrchestrators: { id: string; name?: string; resourceUri: string; type: string }[];
}

export interface StoreOnceContext {
  storeonces: DocumentRepository;
  secrets: StorageSystemSecrets;
  /** Lab appliances live in <storeOnceRoot>/<name>. */
  storeOnceRoot: string;
}

export const storeOnceResource = (s: StoreOnceDoc): ResourceRef => ({ name: s.name, resourceUri: s.resourceUri, type: STOREONCE_TYPE });

/** The appliance name of a `storeonce://<name>` address; 400 for anything else (obr reaches no other appliance). */
export function applianceName(address: string): string {
  const text = address.trim();
  const name = text.toLowerCase().startsWith(STOREONCE_SCHEME) ? text.slice(STOREONCE_SCHEME.length).replace(/\/$/, "") : undefined;
  if (name === undefined || !APPLIANCE_NAME.test(name)) {
    throw AppError.badRequest(`networkAddress '${address}': a lab StoreOnce is storeonce://<name>, the name 1-63 lower-case letters, digits or '-'`);
  }
  return name;
}

export const applianceDir = (ctx: StoreOnceContext, s: StoreOnceDoc): string => join(ctx.storeOnceRoot, s.network.hostname);

export function setHealth(s: StoreOnceDoc, state: StoreOnceHealthState, reason: string | null = null): StoreOnceDoc {
  const connected = state === "SO_HEALTH_STATE_OK" || state === "SO_HEALTH_STATE_WARNING";
  s.health = { state, status: connected ? "SO_HEALTH_STATUS_CONNECTED" : "SO_HEALTH_STATUS_DISCONNECTED", stateReason: reason?.slice(0, 255) ?? null, updatedAt: nowIso(systemClock) };
  return s;
}

/** Creates the appliance directory if needed and reads its real capacity; the commit records it. */
export async function measureStoreOnce(ctx: StoreOnceContext, customerId: string, id: string) {
  const s = await ctx.storeonces.get<StoreOnceDoc>(customerId, id);
  if (!s) throw AppError.notFound(`StoreOnce '${id}' not found`);
  const dir = applianceDir(ctx, s);
  await mkdir(join(dir, "stores"), { recursive: true });
  const space = await filesystemSpace(dir);
  const usedBytes = await directoryBytes(dir);
  return {
    associatedResources: [storeOnceResource(s)],
    commit: async (uow: UnitOfWork) => {
      await ctx.storeonces.update<StoreOnceDoc>(
        customerId,
        id,
        undefined,
        (doc) => {
          doc.storage = {
            capacityLicensedBytes: space.totalBytes,
            capacityUnlicensedBytes: 0,
            configuredStorageBytes: space.totalBytes,
            freeBytes: space.freeBytes,
            usedBytes,
            unconfiguredStorageBytes: 0,
            state: space.freeBytes < space.totalBytes * 0.05 ? "WARNING" : "OK",
          };
          return setHealth(doc, doc.storage.state === "OK" ? "SO_HEALTH_STATE_OK" : "SO_HEALTH_STATE_WARNING", doc.storage.state === "OK" ? null : "less than 5 % of the storage is free");
        },
        uow,
      );
    },
  };
}

/** Removes the record and its sealed credentials; the appliance's directory (its data) stays. */
export async function unregisterStoreOnce(ctx: StoreOnceContext, customerId: string, id: string) {
  const s = await ctx.storeonces.get<StoreOnceDoc>(customerId, id);
  if (!s) return { associatedResources: [] };
  return {
    associatedResources: [storeOnceResource(s)],
    commit: async (uow: UnitOfWork) => {
      await uow.deleteFrom(ctx.storeonces.table).where("customer_id", "=", customerId).where("id", "=", id).execute();
      await ctx.secrets.removeAll(customerId, id, uow);
    },
  };
}

/** A failed job leaves the appliance in ERROR with the reason. */
export async function failStoreOnce(ctx: StoreOnceContext, customerId: string, id: string, reason: string, uow?: UnitOfWork): Promise<void> {
  await ctx.storeonces.update<StoreOnceDoc>(customerId, id, undefined, (s) => setHealth(s, "SO_HEALTH_STATE_ERROR", reason), uow).catch((err: unknown) => {
    if (!(err instanceof AppError && err.httpStatusCode === 404)) throw err;
  });
}
