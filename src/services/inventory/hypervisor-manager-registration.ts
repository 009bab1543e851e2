// POST/PATCH/DELETE /backup-recovery/v1alpha1/hypervisor-managers and POST
// /virtualization/v1beta1/hypervisor-managers/{id}/refresh: validate synchronously (400/404/409),
// record the change of state, then hand the work to an async operation.
import { randomUUID } from "node:crypto";
import type { CollectionHandlers, RequestContext } from "../../api/resource/collection-definition.ts";
import type { DocumentRepository } from "../../db/document-repository.ts";
import { nowIso } from "../../db/document-repository.ts";
import { AppError } from "../../domain/app-error.ts";
import { resourceUriOf, typeOf } from "../../domain/inventory-paths.ts";
import { parseManagerAddress } from "../../domain/network-address.ts";
import { type ManagerDoc, type ManagerPatch, managerResource } from "./hypervisor-manager-discovery.ts";
import { type InventoryContext, startOperation } from "./inventory-context.ts";

export const JOB_REGISTER = "hypervisor-manager.register";
export const JOB_REFRESH = "hypervisor-manager.refresh";
export const JOB_UPDATE = "hypervisor-manager.update";
export const JOB_UNREGISTER = "hypervisor-manager.unregister";

interface CreateBody {
  networkAddress: string;
  hypervisorManagerType: "VMWARE_VCENTER";
  dataOrchestratorId: string;
  credentials: { username?: string; password?: string };
  description?: string;
  displayName?: string;
}

/** States in which another operation on the manager is already under way. */
const BUSY = new Set(["CREATING", "DELETING", "UPDATING", "REFRESHING"]);

function ensureIdle(manager: ManagerDoc): void {
  if (BUSY.has(manager.state)) throw AppError.conflict(`hypervisor manager '${manager.name}' is ${manager.state.toLowerCase()}; try again when it is done`);
}

export function hypervisorManagerHandlers(deps: InventoryContext) {
  const ensureUniqueName = async (repository: DocumentRepository, customerId: string, name: string, exceptId?: string) => {
    const clash = await repository.findIdBy(customerId, "name", name, exceptId);
    if (clash) throw AppError.badRequest(`hypervisor manager lab://${name} is already registered (${clash})`);
  };

  /** Writes of /backup-recovery/v1alpha1/hypervisor-managers. */
  const writes = (repository: DocumentRepository): CollectionHandlers => ({
    repository,
    async create(ctx: RequestContext, raw: unknown) {
      const body = raw as CreateBody;
      const customerId = ctx.principal.customerId;
      const address = parseManagerAddress(body.networkAddress);
      const orchestrator = await deps.dataOrchestrators.find(customerId, body.dataOrchestratorId);
      if (!orchestrator) throw AppError.badRequest(`dataOrchestratorId '${body.dataOrchestratorId}' is not a data orchestrator of this workspace`);
      await ensureUniqueName(repository, customerId, address.name);
      const id = randomUUID();
      const now = nowIso();
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
      await repository.insert(manager);
      return startOperation(deps, ctx, { name: `Register hypervisor manager ${manager.displayName}`, jobType: JOB_REGISTER, payload: { managerId: id }, resource: managerResource(manager) });
    },

    async update(ctx, id, raw, ifMatch) {
      const patch = raw as ManagerPatch;
      const customerId = ctx.principal.customerId;
      if (patch.networkAddress !== undefined) await ensureUniqueName(repository, customerId, parseManagerAddress(patch.networkAddress).name, id);
      const manager = await repository.update<ManagerDoc>(customerId, id, ifMatch, (m) => {
        // compat: the contract lists no 409 for this PATCH; a manager busy with another
        // operation answers 409 as refresh does, rather than queueing conflicting work.
        ensureIdle(m);
        m.state = "UPDATING";
        return m;
      });
      return startOperation(deps, ctx, { name: `Update hypervisor manager ${manager.displayName}`, jobType: JOB_UPDATE, payload: { managerId: id, patch }, resource: managerResource(manager) });
    },

    async remove(ctx, id, ifMatch) {
      const manager = await repository.update<ManagerDoc>(ctx.principal.customerId, id, ifMatch, (m) => {
        if (m.state === "DELETING") throw AppError.conflict(`hypervisor manager '${m.name}' is already being unregistered`);
        m.state = "DELETING";
        return m;
      });
      // compat: `force` is accepted; nothing depends on a manager yet that it would override.
      return startOperation(deps, ctx, { name: `Unregister hypervisor manager ${manager.displayName}`, jobType: JOB_UNREGISTER, payload: { managerId: id }, resource: managerResource(manager) });
    },
  });

  /** Reads and the refresh action of /virtualization/v1beta1/hypervisor-managers. */
  const reads = (repository: DocumentRepository): CollectionHandlers => ({
    repository,
    actions: {
      async refresh(ctx, id) {
        const manager = await repository.update<ManagerDoc>(ctx.principal.customerId, id, undefined, (m) => {
          ensureIdle(m);
          m.state = "REFRESHING";
          return m;
        });
        return startOperation(deps, ctx, { name: `Refresh hypervisor manager ${manager.displayName}`, jobType: JOB_REFRESH, payload: { managerId: id }, resource: managerResource(manager) });
      },
    },
  });

  return { writes, reads };
}
