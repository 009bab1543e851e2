// POST/PATCH/DELETE /backup-recovery/v1alpha1/hypervisor-managers and POST
// /virtualization/v1beta1/hypervisor-managers/{id}/refresh: validate synchronously (400/404/409),
// record the change of state, then hand the work to an async operation.
import { randomUUID } from "node:crypto";
import type { Static } from "typebox";
import { ConnectorError } from "../ports/connector-error.ts";
import { nowIso } from "../../domain/clock.ts";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/app-error.ts";
import { resourceUriOf, typeOf } from "../../domain/inventory-paths.ts";
import { parseManagerAddress } from "../../domain/network-address.ts";
import type { OperationOutcome } from "../../domain/outcome.ts";
import type { HypervisorManagerCreateSchema, HypervisorManagerUpdateSchema } from "../../domain/schemas/hypervisor-schemas.ts";
import { type ManagerDoc, managerResource } from "./hypervisor-manager-discovery.ts";
import type { UnitOfWork } from "../async-operations.ts";
import { type InventoryContext, type StartOperation, startBusyOperation } from "./inventory-context.ts";
import { protectedManagerError } from "./inventory-store.ts";
import { nameKey } from "../../domain/unique-name.ts";

export const JOB_REGISTER = "hypervisor-manager.register";
export const JOB_REFRESH = "hypervisor-manager.refresh";
export const JOB_UPDATE = "hypervisor-manager.update";
export const JOB_UNREGISTER = "hypervisor-manager.unregister";

export type RegisterManagerCommand = Static<typeof HypervisorManagerCreateSchema>;
export type UpdateManagerCommand = Static<typeof HypervisorManagerUpdateSchema>;

export interface HypervisorManagerUseCases {
  register(actor: Actor, command: RegisterManagerCommand): Promise<OperationOutcome>;
  update(actor: Actor, id: string, patch: UpdateManagerCommand, ifMatch?: number): Promise<OperationOutcome>;
  /** compat: `force` is accepted and overrides nothing: a manager whose VMs jobs protect stays registered (409). */
  unregister(actor: Actor, id: string, ifMatch?: number): Promise<OperationOutcome>;
  refresh(actor: Actor, id: string): Promise<OperationOutcome>;
}

/** States in which another operation on the manager is already under way. */
const BUSY = new Set(["CREATING", "DELETING", "UPDATING", "REFRESHING"]);

function ensureIdle(manager: ManagerDoc): void {
  if (BUSY.has(manager.state)) throw AppError.conflict(`hypervisor manager '${manager.name}' is ${manager.state.toLowerCase()}; try again when it is done`);
}

export function hypervisorManagerUseCases(deps: InventoryContext): HypervisorManagerUseCases {
  const repository = deps.store.repository("hypervisor-manager");
  const ensureUniqueName = async (customerId: string, name: string, exceptId?: string) => {
    const clash = await repository.findIdBy(customerId, "name_key", nameKey(name), exceptId);
    if (clash) throw AppError.conflict(`hypervisor manager lab://${name} is already registered (${clash})`);
  };

  // A PATCH must not trade a working address for one whose connector cannot open anything: the
  // manager would go ERROR with its old address lost. (A new registration records its attempt.)
  const ensureReachable = async (address: string) => {
    try {
      await deps.connectors.resolve(address).discover();
    } catch (err) {
      // Nothing usable there (unknown scheme or lab, a wrong one); an unavailable or damaged lab is the server's problem.
      if (err instanceof ConnectorError && err.kind !== "unavailable" && err.kind !== "corrupt") throw AppError.badRequest(`networkAddress '${address}': no hypervisor manager answers there`);
      throw err;
    }
  };

  /**
   * Moves the manager to a busy state and queues the job that ends it, in one transaction. `admit`
   * refuses a manager that may not take this operation now; the job is told the state the manager
   * had, to return to it when the job fails or is abandoned.
   */
  const startOnManager = (
    actor: Actor,
    id: string,
    ifMatch: number | undefined,
    busyState: string,
    admit: (m: ManagerDoc) => void,
    job: (manager: ManagerDoc, previousState: string) => Omit<StartOperation, "resource">,
  ): Promise<OperationOutcome> => {
    let previousState = "OK";
    const busy = (uow: UnitOfWork) =>
      repository.update<ManagerDoc>(
        actor.workspaceId,
        id,
        ifMatch,
        (m) => {
          admit(m);
          previousState = m.state;
          m.state = busyState;
          return m;
        },
        uow,
      );
    return startBusyOperation(deps, actor, busy, (manager) => ({ ...job(manager, previousState), resource: managerResource(manager) }));
  };

  return {
    async register(actor, body) {
      const customerId = actor.workspaceId;
      const address = parseManagerAddress(body.networkAddress);
      const orchestrator = await deps.dataOrchestrators.find(customerId, body.dataOrchestratorId);
      if (!orchestrator) throw AppError.badRequest(`dataOrchestratorId '${body.dataOrchestratorId}' is not a data orchestrator of this workspace`);
      await ensureUniqueName(customerId, address.name);
      const id = randomUUID();
      const now = nowIso(repository.clock);
      const manager: ManagerDoc = {
        id,
        customerId,
        name: address.name,
        displayName: body.displayName ?? address.name,
        type: typeOf("hypervisor-manager"),
        generation: 1,
        createdAt: now,
        updatedAt: now,
        resourceUri: resourceUriOf("hypervisor-manager", id, id),
        hypervisorManagerType: body.hypervisorManagerType,
        networkAddress: address.address,
        ...(body.description !== undefined ? { description: body.description } : {}),
        // compat: the lab needs no credentials, so only the user name is kept (never the password).
        ...(body.credentials.username !== undefined ? { username: body.credentials.username } : {}),
        dataOrchestratorInfo: orchestrator,
        state: "CREATING",
        status: "OK",
      };
      return startBusyOperation(
        deps,
        actor,
        (uow) => repository.insert(manager, {}, uow),
        () => ({ name: `Register hypervisor manager ${manager.displayName}`, jobType: JOB_REGISTER, payload: { managerId: id }, resource: managerResource(manager) }),
      );
    },

    async update(actor, id, patch, ifMatch) {
      const customerId = actor.workspaceId;
      if (patch.networkAddress !== undefined) {
        const address = parseManagerAddress(patch.networkAddress);
        await ensureUniqueName(customerId, address.name, id);
        await ensureReachable(address.address);
      }
      // compat: the contract lists no 409 for this PATCH; a manager busy with another operation
      // answers 409 as refresh does, rather than queueing conflicting work.
      return startOnManager(actor, id, ifMatch, "UPDATING", ensureIdle, (manager, previousState) => ({
        name: `Update hypervisor manager ${manager.displayName}`,
        jobType: JOB_UPDATE,
        payload: { managerId: id, patch, previousState },
      }));
    },

    async unregister(actor, id, ifMatch) {
      // Checked again inside the unregister's transaction, and by the jobs' reference to the VMs.
      const protectedVms = await deps.store.protectedVmNames(actor.workspaceId, id);
      if (protectedVms.length > 0) throw protectedManagerError(protectedVms);
      const admit = (m: ManagerDoc) => {
        if (m.state === "DELETING") throw AppError.conflict(`hypervisor manager '${m.name}' is already being unregistered`);
      };
      return startOnManager(actor, id, ifMatch, "DELETING", admit, (manager) => ({
        name: `Unregister hypervisor manager ${manager.displayName}`,
        jobType: JOB_UNREGISTER,
        payload: { managerId: id },
      }));
    },

    refresh: (actor, id) =>
      startOnManager(actor, id, undefined, "REFRESHING", ensureIdle, (manager, previousState) => ({
        name: `Refresh hypervisor manager ${manager.displayName}`,
        jobType: JOB_REFRESH,
        payload: { managerId: id, previousState },
      })),
  };
}
