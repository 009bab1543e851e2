// What the inventory services share: the stored inventory, the connectors, async operations and
// a way to start one (recorded, queued, and the local worker woken for prompt pickup).
import type { ConnectorRegistry, CreateDatastoreSpec, RelocationTarget, VmHardwareChange } from "../ports/hypervisor-connector.ts";
import type { Actor } from "../../domain/actor.ts";
import type { OperationOutcome } from "../../domain/outcome.ts";
import type { AsyncOperationService, ResourceRef, UnitOfWork } from "../async-operations.ts";
import type { KeyedMutex } from "../keyed-mutex.ts";
import type { DataOrchestrators } from "./data-orchestrators.ts";
import type { InventoryStore } from "./inventory-store.ts";

/** What POST /datastores creates (the API offers VMFS and VVOL only). */
export type DatastoreSpec = CreateDatastoreSpec & { type: "VMFS" | "VVOL" };
export type HardwareChange = VmHardwareChange;
/** What the migrate action moves VMs to: a datastore and a cluster, both named. */
export type Relocation = Required<Pick<RelocationTarget, "datastoreId" | "clusterId">>;

export interface InventoryContext {
  store: InventoryStore;
  connectors: ConnectorRegistry;
  operations: AsyncOperationService;
  dataOrchestrators: DataOrchestrators;
  /**
   * Serialises discover-and-store per hypervisor manager, so a sync that read the hypervisor
   * earlier never overwrites what a later one stored (the last sync reflects the newest state).
   */
  syncLock: KeyedMutex;
  /** Tells the local worker that a job was queued. */
  wake(): void;
}

export interface StartOperation {
  name: string;
  jobType: string;
  payload: unknown;
  resource: ResourceRef;
  /** While an unfinished operation holds this key, no second one starts (see NewOperation.jobKey). */
  jobKey?: string;
  /** At most one job per key runs at a time (e.g. `protect:<vm id>`: runs and restores of a VM). */
  concurrencyKey?: string;
  /** The separate data orchestrator that runs it. */
  target?: string;
}

/** What starting an operation needs: the operations service and a way to wake the local worker. */
export type OperationStarter = Pick<InventoryContext, "operations" | "wake">;

export function startOperation(deps: OperationStarter, actor: Actor, start: StartOperation): Promise<OperationOutcome> {
  return startBusyOperation(deps, actor, async () => undefined, () => start);
}

/**
 * Writes a resource's busy state (`busy`, in the unit of work) and records and queues its
 * operation in the same transaction, then wakes the local worker: a crash leaves both or neither.
 */
export async function startBusyOperation<R>(
  deps: OperationStarter,
  actor: Actor,
  busy: (uow: UnitOfWork) => Promise<R>,
  describe: (state: R) => StartOperation,
): Promise<OperationOutcome> {
  const { operation } = await deps.operations.start(busy, (state) => {
    const start = describe(state);
    return {
      customerId: actor.workspaceId,
      userId: actor.clientId,
      name: start.name,
      sourceResourceUri: start.resource.resourceUri,
      associatedResources: [start.resource],
      jobType: start.jobType,
      payload: start.payload,
      ...(start.jobKey ? { jobKey: start.jobKey } : {}),
      ...(start.concurrencyKey ? { concurrencyKey: start.concurrencyKey } : {}),
      ...(start.target ? { target: start.target } : {}),
    };
  });
  deps.wake();
  return { operationId: operation.id };
}
