// Where a copy's data lives and how it goes: a snapshot on the VM's hypervisor (the connector's
// deleteSnapshot), a backup's disk images in its protection store (the ImageStore port, reached
// through the store registry). Every removal is idempotent: data already gone is no error, so a
// delete job resumed after a crash finishes the job.
import type { ImageStore } from "../infrastructure/image-store.ts";
import { AppError } from "../../domain/app-error.ts";
import { lockImages } from "./image-locks.ts";
import { type ProtectionStoreContext, type ProtectionStoreDoc, openLocated } from "../infrastructure/protection-store-state.ts";
import { loadManager, managerConnector } from "../inventory/hypervisor-manager-discovery.ts";
import type { InventoryContext } from "../inventory/inventory-context.ts";
import { isConnectorError } from "../ports/connector-error.ts";
import type { StoredDocument } from "../ports/documents.ts";
import type { CopyImageCache } from "../ports/guest-files.ts";

export interface CopyData {
  /** Removes one hypervisor snapshot of the VM. */
  deleteSnapshot(customerId: string, vmId: string, snapshotId: string): Promise<void>;
  /** Removes one disk image from a protection store; its space returns with gc(). */
  deleteImage(customerId: string, storeId: string, imageId: string): Promise<void>;
  /** Reclaims what deleted images no longer need; 0 when the store is gone. */
  gc(customerId: string, storeId: string): Promise<{ reclaimedBytes: number }>;
  /** Has the store keep the images until `until` (copy-locks.ts), logging what it enforces. */
  lockImages(customerId: string, storeId: string, imageIds: readonly string[], until: string, log: (line: string) => Promise<void>): Promise<void>;
  /** Removes the copy's disks materialised for file restore. */
  dropFileImages(copyId: string): Promise<void>;
}

export function copyData(inventory: InventoryContext, stores: ProtectionStoreContext, fileImages: Pick<CopyImageCache, "evict">): CopyData {
  /** The store's images, or undefined when the store (or the system it lived on) is gone with its data. */
  async function imagesOf(customerId: string, storeId: string): Promise<ImageStore | undefined> {
    const doc = await stores.repository.get<ProtectionStoreDoc>(customerId, storeId);
    return doc ? openLocated(stores, doc) : undefined;
  }

  return {
    async deleteSnapshot(customerId, vmId, snapshotId) {
      const vm = await inventory.store.get<StoredDocument & { hypervisorManagerInfo?: { id?: string } }>("virtual-machine", customerId, vmId);
      const managerId = vm?.hypervisorManagerInfo?.id;
      // A VM gone from the inventory took its snapshots with it.
      if (managerId === undefined) return;
      const manager = await loadManager(inventory, customerId, managerId);
      const connector = managerConnector(inventory, manager);
      try {
        await connector.deleteSnapshot(vmId, snapshotId);
      } catch (err) {
        if (!isConnectorError(err, "not-found")) throw err;
      }
    },

    async deleteImage(customerId, storeId, imageId) {
      await (await imagesOf(customerId, storeId))?.deleteImage(imageId);
    },

    async lockImages(customerId, storeId, imageIds, until, log) {
      const images = await imagesOf(customerId, storeId);
      if (!images) throw AppError.conflict(`protection store '${storeId}' is gone with its data: its copies cannot be locked`);
      await lockImages(images, imageIds, until, log);
    },

    dropFileImages: (copyId) => fileImages.evict(copyId),

    async gc(customerId, storeId) {
      const images = await imagesOf(customerId, storeId);
      if (!images) return { reclaimedBytes: 0 };
      const result = await images.gc();
      stores.registry.written(storeId);
      return result;
    },
  };
}
