// The work behind virtual-machine operations, run by the job worker: call the connector, then
// refresh the documents the change touched (the VM, and datastores whose usage moved).
import { isConnectorError } from "../ports/connector-error.ts";
import type { CreateVmSpec, PowerOperation } from "../ports/hypervisor-connector.ts";
import type { StoredDocument } from "../ports/documents.ts";
import { resourceUriOf, typeOf } from "../../domain/inventory-paths.ts";
import type { ResourceRef } from "../async-operations.ts";
import { loadManager, managerConnector, syncFromConnector } from "./hypervisor-manager-discovery.ts";
import type { HardwareChange, InventoryContext, Relocation } from "./inventory-context.ts";
import { POWER_STATE } from "./mappers/virtual-machine-mapper.ts";

export interface VmDoc extends StoredDocument {
  name: string;
  state: string;
  powerState: string;
  allowedOperations?: string[];
  hypervisorManagerInfo: { id: string; name: string };
  /** Set while a protection job protects the VM (vm-protection.ts). */
  protectionJobInfo?: { id?: string; name?: string };
}

export const vmResource = (vm: { id: string; name: string }, managerId: string): ResourceRef => ({
  name: vm.name,
  resourceUri: resourceUriOf("virtual-machine", vm.id, managerId),
  type: typeOf("virtual-machine"),
});

async function connectorFor(deps: InventoryContext, customerId: string, managerId: string) {
  const manager = await loadManager(deps, customerId, managerId);
  return { manager, connector: managerConnector(deps, manager) };
}

/** Re-reads one VM (and the datastores, whose free space and VM counts follow it) from the connector. */
export async function refreshVm(deps: InventoryContext, customerId: string, managerId: string, vmId: string): Promise<void> {
  const manager = await loadManager(deps, customerId, managerId);
  await syncFromConnector(deps, manager, { kinds: ["virtual-machine", "datastore"], vmIds: new Set([vmId]) });
}

/** A refusal because of the object's state. */
const isConflict = (err: unknown): boolean => isConnectorError(err, "conflict");

/** Identifies a run of an operation: its id is the idempotency token handed to the connector. */
export interface OperationRun {
  operationId: string;
  /** 1 on the first run; more when resumed after a crash. */
  attempt: number;
}

/**
 * `targetState` is the VM's power state (as the API reports it) once the operation has happened,
 * recorded when the operation was requested. A resumed run is done when the connector applied the
 * change before the crash (it recognises the operation id), or when the VM is already in the target
 * state and the connector refuses the operation for that reason (409).
 */
export async function powerVm(
  deps: InventoryContext,
  customerId: string,
  managerId: string,
  vmId: string,
  operation: PowerOperation,
  run: OperationRun & { targetState?: string | undefined },
): Promise<ResourceRef[]> {
  const { connector } = await connectorFor(deps, customerId, managerId);
  try {
    const vm = await connector.powerVm(vmId, operation, run.operationId);
    return [vmResource(vm, managerId)];
  } catch (err) {
    if (run.attempt > 1 && run.targetState !== undefined && isConflict(err)) {
      const vm = await connector.getVm(vmId).catch(() => undefined); // gone: the 409 stands
      if (vm && POWER_STATE[vm.powerState] === run.targetState) return [vmResource(vm, managerId)];
    }
    throw err;
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
    if (!isConnectorError(err, "not-found")) {
      await refreshVm(deps, customerId, managerId, vmId);
      throw err;
    }
  }
  // Deleted through the API: the document goes too (out-of-band deletions are only marked).
  await deps.syncLock.run(managerId, () => deps.store.repository("virtual-machine").delete(customerId, vmId, undefined).catch(() => undefined));
  await syncFromConnector(deps, await loadManager(deps, customerId, managerId), { kinds: ["datastore"] });
  return doc ? [vmResource(doc, managerId)] : [];
}

/** A resumed run gets the VM its first run made (the connector keys it by the operation id), not a second one. */
export async function createVm(deps: InventoryContext, customerId: string, managerId: string, spec: CreateVmSpec, operationId: string): Promise<ResourceRef[]> {
  const { connector } = await connectorFor(deps, customerId, managerId);
  const vm = await connector.createVm(spec, operationId);
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
