// The work behind virtual-machine operations, run by the job worker: call the connector, then
// refresh the documents the change touched (the VM, and datastores whose usage moved).
import type { CreateVmSpec, PowerOperation } from "../../connectors/hypervisor-connector.ts";
import type { StoredDocument } from "../../db/document-repository.ts";
import { AppError } from "../../domain/app-error.ts";
import { resourceUriOf, typeOf } from "../../domain/inventory-paths.ts";
import { parseManagerAddress } from "../../domain/network-address.ts";
import type { ResourceRef } from "../async-operations.ts";
import { loadManager, syncFromConnector } from "./hypervisor-manager-discovery.ts";
import type { HardwareChange, InventoryContext, Relocation } from "./inventory-context.ts";

export interface VmDoc extends StoredDocument {
  name: string;
  state: string;
  powerState: string;
  allowedOperations?: string[];
  hypervisorManagerInfo: { id: string; name: string };
}

export const vmResource = (vm: { id: string; name: string }, managerId: string): ResourceRef => ({
  name: vm.name,
  resourceUri: resourceUriOf("virtual-machine", vm.id, managerId),
  type: typeOf("virtual-machine"),
});

async function connectorFor(deps: InventoryContext, customerId: string, managerId: string) {
  const manager = await loadManager(deps, customerId, managerId);
  return { manager, connector: deps.connectors.resolve(parseManagerAddress(manager.networkAddress).address) };
}

/** Re-reads one VM (and the datastores, whose free space and VM counts follow it) from the connector. */
export async function refreshVm(deps: InventoryContext, customerId: string, managerId: string, vmId: string): Promise<void> {
  const manager = await loadManager(deps, customerId, managerId);
  await syncFromConnector(deps, manager, { kinds: ["virtual-machine", "datastore"], vmIds: new Set([vmId]) });
}

export async function powerVm(deps: InventoryContext, customerId: string, managerId: string, vmId: string, operation: PowerOperation): Promise<ResourceRef[]> {
  const { connector } = await connectorFor(deps, customerId, managerId);
  try {
    const vm = await connector.powerVm(vmId, operation);
    return [vmResource(vm, managerId)];
  } finally {
    // Whatever happened, the document shows the VM as the hypervisor has it now.
    await refreshVm(deps, customerId, managerId, vmId);
  }
}

export async function deleteVm(deps: InventoryContext, customerId: string, managerId: string, vmId: string): Promise<ResourceRef[]> {
  const { connector } = await connectorFor(deps, customerId, managerId);
  const doc = await deps.store.get<VmDoc>("virtual-machine", customerId, vmId);
  try {
    await connector.deleteVm(vmId);
  } catch (err) {
    // Already gone from the lab (a resumed run): only the document is left to remove.
    if (!(err instanceof AppError && err.httpStatusCode === 404)) {
      await refreshVm(deps, customerId, managerId, vmId);
      throw err;
    }
  }
  // Deleted through the API: the document goes too (out-of-band deletions are only marked).
  await deps.syncLock.run(managerId, () => deps.store.repository("virtual-machine").delete(customerId, vmId, undefined).catch(() => undefined));
  await syncFromConnector(deps, await loadManager(deps, customerId, managerId), { kinds: ["datastore"] });
  return doc ? [vmResource(doc, managerId)] : [];
}

export async function createVm(deps: InventoryContext, customerId: string, managerId: string, spec: CreateVmSpec): Promise<ResourceRef[]> {
  const { connector } = await connectorFor(deps, customerId, managerId);
  const vm = await connector.createVm(spec);
  await refreshVm(deps, customerId, managerId, vm.id);
  return [vmResource(vm, managerId)];
}

export async function updateVmHardware(deps: InventoryContext, customerId: string, managerId: string, vmId: string, change: HardwareChange): Promise<ResourceRef[]> {
  const { connector } = await connectorFor(deps, customerId, managerId);
  try {
    await connector.reconfigureVm(vmId, change);
  } finally {
    await refreshVm(deps, customerId, managerId, vmId);
  }
  const vm = await deps.store.get<VmDoc>("virtual-machine", customerId, vmId);
  return vm ? [vmResource(vm, managerId)] : [];
}

/** Moves each VM in turn; stops at the first failure (the VMs moved so far stay moved). */
export async function migrateVms(
  deps: InventoryContext,
  customerId: string,
  managerId: string,
  vmIds: readonly string[],
  target: Relocation,
  progress: (percent: number, message?: string) => Promise<void>,
): Promise<ResourceRef[]> {
  const { connector } = await connectorFor(deps, customerId, managerId);
  const moved: ResourceRef[] = [];
  for (const [i, vmId] of vmIds.entries()) {
    try {
      await connector.relocateVm(vmId, target);
    } finally {
      await refreshVm(deps, customerId, managerId, vmId);
    }
    const vm = await deps.store.get<VmDoc>("virtual-machine", customerId, vmId);
    if (vm) moved.push(vmResource(vm, managerId));
    await progress(((i + 1) / vmIds.length) * 100, `moved ${vm?.name ?? vmId}`);
  }
  return moved;
}
