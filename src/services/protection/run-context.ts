// What a protection run and a restore reach: the inventory (the VM's hypervisor connector), the
// protection stores (chunk stores as ImageStores), the copy records and the clock. Built once by
// the composition root; the run's job types (src/jobs/protection-run-jobs.ts) and the restore
// use cases share it.
import type { Clock } from "../../domain/clock.ts";
import type { CrashPoints } from "../../platform/crash-points.ts";
import { AppError } from "../../domain/app-error.ts";
import type { DocumentRepository, UnitOfWork } from "../ports/documents.ts";
import type { HypervisorConnector } from "../ports/hypervisor-connector.ts";
import type { CopyImageCache, GuestFileSystems } from "../ports/guest-files.ts";
import type { ImageStore } from "../infrastructure/image-store.ts";
import { type ProtectionStoreContext, type ProtectionStoreDoc, openLocated, refreshStore } from "../infrastructure/protection-store-state.ts";
import type { InventoryContext } from "../inventory/inventory-context.ts";
import { type ManagerDoc, managerConnector } from "../inventory/hypervisor-manager-discovery.ts";
import type { VmDoc } from "../inventory/virtual-machine-work.ts";
import type { CopyRecords } from "./copy-records.ts";
import type { DataPlane } from "./data-plane.ts";

export interface ProtectionContext {
  inventory: InventoryContext;
  stores: ProtectionStoreContext;
  copies: CopyRecords;
  /** Protection policies (a copy names its policy). */
  policies: DocumentRepository;
  clock: Clock;
  /** Guest file systems inside disk images (file restore and the browse call). */
  guestFiles: GuestFileSystems;
  /** Copies' disks materialised for reading their files. */
  copyImages: CopyImageCache;
  /** Where this process moves data (the embedded data orchestrator's connector and chunk stores). */
  dataPlane: DataPlane;
  /** Test crash points (OBR_CRASH_POINT) between the steps of a tier. */
  crash: CrashPoints;
  /** Tells the protection job how its run ended (its schedules' executionStatuses, the VM's protectionStatus). */
  runEnded(run: { customerId: string; protectionJobId: string; operationId: string; succeeded: boolean; reason: string }): Promise<void>;
}

/** The VM's document and the connector of its hypervisor manager; 404 for an unknown VM. */
export async function vmAndConnector(ctx: ProtectionContext, customerId: string, vmId: string, uow?: UnitOfWork): Promise<{ vm: VmDoc; managerId: string; connector: HypervisorConnector }> {
  const vm = await ctx.inventory.store.repository("virtual-machine").get<VmDoc>(customerId, vmId, uow);
  if (!vm) throw AppError.notFound(`virtual machine '${vmId}' not found`);
  const managerId = vm.hypervisorManagerInfo.id;
  return { vm, managerId, connector: await connectorOf(ctx, customerId, managerId, uow) };
}

/** The connector of a hypervisor manager of the workspace. */
export async function connectorOf(ctx: ProtectionContext, customerId: string, managerId: string, uow?: UnitOfWork): Promise<HypervisorConnector> {
  const manager = await ctx.inventory.store.repository("hypervisor-manager").get<ManagerDoc>(customerId, managerId, uow);
  if (!manager) throw AppError.notFound(`hypervisor manager '${managerId}' not found`);
  return managerConnector(ctx.inventory, manager);
}

/** The protection store's document, or a 409 naming why it cannot take or give data. */
export async function storeDoc(ctx: ProtectionContext, customerId: string, storeId: string, uow?: UnitOfWork): Promise<ProtectionStoreDoc> {
  const doc = await ctx.stores.repository.get<ProtectionStoreDoc>(customerId, storeId, uow);
  if (!doc) throw AppError.conflict(`protection store '${storeId}' no longer exists`);
  return doc;
}

/** The open chunk store behind a protection store. */
export async function openStore(ctx: ProtectionContext, doc: ProtectionStoreDoc, uow?: UnitOfWork): Promise<ImageStore> {
  const store = await openLocated(ctx.stores, doc, uow);
  if (!store) throw AppError.conflict(`protection store '${doc.name}': its storage system ${doc.storageSystemInfo?.id ?? "(none)"} no longer exists`);
  return store;
}

/** The store's sizes in its document after data went in or out. */
export async function storeWritten(ctx: ProtectionContext, customerId: string, storeId: string): Promise<void> {
  await refreshStore(ctx.stores, customerId, storeId, { written: true });
}
