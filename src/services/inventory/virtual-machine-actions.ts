// /virtualization/v1beta1/virtual-machines writes: create, delete and the per-VM actions. Each
// checks what it can synchronously (404, 409 for a VM whose state forbids the action, 400 for bad
// references), then queues an async operation.
import type { Static } from "typebox";
import type { CreateVmSpec, PowerOperation } from "../ports/hypervisor-connector.ts";
import type { StoredDocument } from "../ports/documents.ts";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/app-error.ts";
import type { OperationOutcome } from "../../domain/outcome.ts";
import type { DeployVmSchema, EditVmSchema, MigrateVmQuery, MigrateVmSchema } from "../../domain/schemas/virtual-machine-schemas.ts";
import { type InventoryContext, startOperation } from "./inventory-context.ts";
import { type VmDoc, vmResource } from "./virtual-machine-work.ts";

export const JOB_VM_POWER = "virtual-machine.power";
export const JOB_VM_REFRESH = "virtual-machine.refresh";
export const JOB_VM_DELETE = "virtual-machine.delete";
export const JOB_VM_CREATE = "virtual-machine.create";
export const JOB_VM_UPDATE_HARDWARE = "virtual-machine.update-hardware";
export const JOB_VM_MIGRATE = "virtual-machine.migrate";

/** Action path -> connector power operation, the allowedOperations entry it needs, and a verb. */
export type PowerAction = "power-on" | "power-off" | "reset" | "restart-guest-os" | "shutdown-guest-os";
const POWER_ACTIONS: Record<PowerAction, { operation: PowerOperation; allowed: string; verb: string }> = {
  "power-on": { operation: "powerOn", allowed: "VIRTUAL_MACHINE_POWER_ON", verb: "Power on" },
  "power-off": { operation: "powerOff", allowed: "VIRTUAL_MACHINE_POWER_OFF", verb: "Power off" },
  reset: { operation: "reset", allowed: "VIRTUAL_MACHINE_RESET", verb: "Reset" },
  "restart-guest-os": { operation: "restartGuest", allowed: "VIRTUAL_MACHINE_RESTART_GUEST_OS", verb: "Restart guest OS of" },
  "shutdown-guest-os": { operation: "shutdownGuest", allowed: "VIRTUAL_MACHINE_SHUTDOWN_GUEST_OS", verb: "Shut down guest OS of" },
};

export type DeployVmCommand = Static<typeof DeployVmSchema>;
export type EditVmCommand = Static<typeof EditVmSchema>;
export type MigrateVmCommand = Static<typeof MigrateVmSchema> & { vms: readonly string[]; parameterType?: string | undefined };
export type MigrateVmQueryInput = Static<typeof MigrateVmQuery>;

export interface VirtualMachineUseCases {
  deploy(actor: Actor, command: DeployVmCommand): Promise<OperationOutcome>;
  remove(actor: Actor, id: string): Promise<OperationOutcome>;
  power(actor: Actor, id: string, action: PowerAction): Promise<OperationOutcome>;
  updateHardware(actor: Actor, id: string, command: EditVmCommand): Promise<OperationOutcome>;
  refresh(actor: Actor, id: string): Promise<OperationOutcome>;
  /** The VMs and the parameter type come from the query string (`vms`, `parameter-type`). */
  migrate(actor: Actor, command: MigrateVmCommand): Promise<OperationOutcome>;
}

type PlacementKind = "hypervisor-host" | "hypervisor-folder" | "hypervisor-resource-pool" | "hypervisor-cluster" | "datastore";

/** compat: the lab has no content library; a deployed VM gets one blank disk of this size. */
export const BLANK_DISK_BYTES = 64 * 1024 * 1024;

export function virtualMachineUseCases(deps: InventoryContext): VirtualMachineUseCases {
  const usableVm = async (customerId: string, id: string): Promise<VmDoc> => {
    const vm = await deps.store.get<VmDoc>("virtual-machine", customerId, id);
    if (!vm) throw AppError.notFound(`virtual machine '${id}' not found`);
    if (vm.state === "DELETED") throw AppError.conflict(`virtual machine '${vm.name}' no longer exists in its hypervisor manager`);
    return vm;
  };
  const requireAllowed = (vm: VmDoc, allowed: string, what: string) => {
    if (!(vm.allowedOperations ?? []).includes(allowed)) throw AppError.conflict(`cannot ${what} virtual machine '${vm.name}': it is ${vm.powerState}`);
  };

  /** An inventory object of the manager, by id or (for networks) by name; 400 if unknown. */
  const objectOf = async (customerId: string, kind: PlacementKind, id: string, managerId: string) => {
    const doc = await deps.store.get<StoredDocument & { hypervisorManagerInfo?: { id: string }; state?: string }>(kind, customerId, id);
    if (!doc || doc.hypervisorManagerInfo?.id !== managerId || doc.state === "DELETED") {
      throw AppError.badRequest(`no ${kind.replace("hypervisor-", "")} '${id}' in hypervisor manager '${managerId}'`);
    }
    return doc.id;
  };

  async function deploySpec(customerId: string, body: DeployVmCommand): Promise<{ managerId: string; spec: CreateVmSpec }> {
    if (body.imageSource?.imageId || body.imageSource?.imageName) {
      throw AppError.badRequest("imageSource: the hypervisor manager has no library image by that id or name");
    }
    const ds = await deps.store.get<StoredDocument & { hypervisorManagerInfo: { id: string }; state?: string }>("datastore", customerId, body.storageConfig.defaultDatastoreId);
    if (!ds || ds.state === "DELETED") throw AppError.badRequest(`storageConfig.defaultDatastoreId: no datastore '${body.storageConfig.defaultDatastoreId}'`);
    const managerId = ds.hypervisorManagerInfo.id;
    const vms = await deps.store.listForManager<VmDoc>("virtual-machine", customerId, managerId);
    if (vms.some((v) => v.name === body.vmConfig.name && v.state !== "DELETED")) {
      throw AppError.badRequest(`vmConfig.name: a virtual machine named '${body.vmConfig.name}' already exists in that hypervisor manager`);
    }
    const networks = await deps.store.listForManager<StoredDocument & { name: string }>("hypervisor-network", customerId, managerId);
    const networkAdapters = (body.networkConfig?.networkMapping ?? []).map((m) => {
      const wanted = m.network ?? m.name ?? "";
      const network = networks.find((n) => n.id === wanted || n.name === wanted);
      if (!network) throw AppError.badRequest(`networkConfig.networkMapping: no network '${wanted}' in that hypervisor manager`);
      return { networkId: network.id };
    });
    const dest = body.destination ?? {};
    const spec: CreateVmSpec = {
      name: body.vmConfig.name,
      datastoreId: ds.id,
      disks: [{ capacityBytes: BLANK_DISK_BYTES }],
      powerOn: body.vmConfig.powerOn ?? false,
      ...(networkAdapters.length > 0 ? { networkAdapters } : {}),
      ...(dest.hostId ? { hostId: await objectOf(customerId, "hypervisor-host", dest.hostId, managerId) } : {}),
      ...(dest.folderId ? { folderId: await objectOf(customerId, "hypervisor-folder", dest.folderId, managerId) } : {}),
      ...(dest.resourcePoolId ? { resourcePoolId: await objectOf(customerId, "hypervisor-resource-pool", dest.resourcePoolId, managerId) } : {}),
    };
    if (dest.clusterId) await objectOf(customerId, "hypervisor-cluster", dest.clusterId, managerId);
    return { managerId, spec };
  }

  async function power(actor: Actor, id: string, action: PowerAction): Promise<OperationOutcome> {
    const { operation, allowed, verb } = POWER_ACTIONS[action];
    const vm = await usableVm(actor.workspaceId, id);
    requireAllowed(vm, allowed, verb.toLowerCase());
    const managerId = vm.hypervisorManagerInfo.id;
    // The power state the VM ends in, for a run resumed after a crash (see powerVm).
    const targetState = operation === "powerOff" || operation === "shutdownGuest" ? "POWERED_OFF" : "POWERED_ON";
    return startOperation(deps, actor, { name: `${verb} virtual machine ${vm.name}`, jobType: JOB_VM_POWER, payload: { managerId, vmId: id, operation, targetState }, resource: vmResource(vm, managerId) });
  }

  async function migrate(actor: Actor, body: MigrateVmCommand): Promise<OperationOutcome> {
    const customerId = actor.workspaceId;
    // compat: only `parameter-type=vms` (the VM ids in `vms`); moving whole source datastores is refused.
    if (body.parameterType === "sourceDataStoreIDs") throw AppError.badRequest("parameter-type sourceDataStoreIDs is not supported; list the VMs in `vms`");
    const vmIds = [...new Set(body.vms)];
    if (vmIds.length === 0) throw AppError.badRequest("vms: name at least one virtual machine to migrate");
    const managerId = body.hypervisorManagerId;
    const datastoreId = await objectOf(customerId, "datastore", body.targetDatastoreId, managerId);
    const clusterId = await objectOf(customerId, "hypervisor-cluster", body.targetHypervisorClusterId, managerId);
    const vms: VmDoc[] = [];
    for (const vmId of vmIds) {
      const vm = await usableVm(customerId, vmId).catch((err: unknown) => {
        throw err instanceof AppError ? AppError.badRequest(`vms: ${err.message}`) : err;
      });
      if (vm.hypervisorManagerInfo.id !== managerId) throw AppError.badRequest(`vms: virtual machine '${vm.name}' is not in hypervisor manager '${managerId}'`);
      vms.push(vm);
    }
    const first = vms[0]!;
    return startOperation(deps, actor, {
      name: vms.length === 1 ? `Migrate virtual machine ${first.name}` : `Migrate ${vms.length} virtual machines`,
      jobType: JOB_VM_MIGRATE,
      payload: { managerId, vmIds, target: { datastoreId, clusterId } },
      resource: vmResource(first, managerId),
    });
  }

  return {
    power,
    migrate,
    async deploy(actor, body) {
      if (!body.vmConfig.acceptEula) throw AppError.badRequest("vmConfig.acceptEula must be true");
      const { managerId, spec } = await deploySpec(actor.workspaceId, body);
      const resource = { name: spec.name, resourceUri: `/virtualization/v1beta1/hypervisor-managers/${managerId}`, type: "virtualization/hypervisor-manager" };
      return startOperation(deps, actor, { name: `Deploy virtual machine ${spec.name}`, jobType: JOB_VM_CREATE, payload: { managerId, spec }, resource });
    },
    async remove(actor, id) {
      const vm = await deps.store.get<VmDoc>("virtual-machine", actor.workspaceId, id);
      if (!vm) throw AppError.notFound(`virtual machine '${id}' not found`);
      // A VM already gone from the hypervisor (state DELETED) can be deleted: only its record goes.
      if (vm.state !== "DELETED") requireAllowed(vm, "VIRTUAL_MACHINE_DELETE", "delete");
      // Its job references it (the database refuses the row's delete too).
      if (vm.protectionJobInfo) throw AppError.conflict(`virtual machine '${vm.name}' is protected by protection job '${vm.protectionJobInfo.name}': delete the job first`);
      const managerId = vm.hypervisorManagerInfo.id;
      return startOperation(deps, actor, { name: `Delete virtual machine ${vm.name}`, jobType: JOB_VM_DELETE, payload: { managerId, vmId: id }, resource: vmResource(vm, managerId) });
    },
    async updateHardware(actor, id, body) {
        // compat: the lab changes CPU and memory; adding or removing NICs and disks is refused.
        if ((body.networkAdapters?.length ?? 0) > 0 || (body.virtualDisks?.length ?? 0) > 0) {
          throw AppError.badRequest("networkAdapters and virtualDisks changes are not supported; change cpuMemConfig only");
        }
        const cpu = body.cpuMemConfig?.cpu;
        const change = {
          ...(cpu?.numOfCpus !== undefined ? { numCpus: cpu.numOfCpus } : {}),
          ...(cpu?.numOfCoresPerSocket !== undefined ? { coresPerSocket: cpu.numOfCoresPerSocket } : {}),
          ...(body.cpuMemConfig?.memory?.memoryInMb !== undefined ? { memoryMib: body.cpuMemConfig.memory.memoryInMb } : {}),
        };
        if (Object.keys(change).length === 0) throw AppError.badRequest("cpuMemConfig: nothing to change");
        const vm = await usableVm(actor.workspaceId, id);
        if (vm.powerState !== "POWERED_OFF") throw AppError.conflict(`virtual machine '${vm.name}' must be powered off to change its hardware`);
        const managerId = vm.hypervisorManagerInfo.id;
        return startOperation(deps, actor, { name: `Update hardware of virtual machine ${vm.name}`, jobType: JOB_VM_UPDATE_HARDWARE, payload: { managerId, vmId: id, change }, resource: vmResource(vm, managerId) });
      },
    async refresh(actor, id) {
        const vm = await deps.store.get<VmDoc>("virtual-machine", actor.workspaceId, id);
        if (!vm) throw AppError.notFound(`virtual machine '${id}' not found`);
        const managerId = vm.hypervisorManagerInfo.id;
        return startOperation(deps, actor, { name: `Refresh virtual machine ${vm.name}`, jobType: JOB_VM_REFRESH, payload: { managerId, vmId: id }, resource: vmResource(vm, managerId) });
    },
  };
}
