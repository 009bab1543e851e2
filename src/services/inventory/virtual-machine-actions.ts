// /virtualization/v1beta1/virtual-machines writes: create, delete and the per-VM actions. Each
// checks what it can synchronously (404, 409 for a VM whose state forbids the action, 400 for bad
// references), then queues an async operation.
import type { CollectionHandlers, RequestContext, WriteResult } from "../../api/resource/collection-definition.ts";
import type { CreateVmSpec, PowerOperation } from "../../connectors/hypervisor-connector.ts";
import type { DocumentRepository, StoredDocument } from "../../db/document-repository.ts";
import { AppError } from "../../domain/app-error.ts";
import { type InventoryContext, startOperation } from "./inventory-context.ts";
import { type VmDoc, vmResource } from "./virtual-machine-work.ts";

export const JOB_VM_POWER = "virtual-machine.power";
export const JOB_VM_REFRESH = "virtual-machine.refresh";
export const JOB_VM_DELETE = "virtual-machine.delete";
export const JOB_VM_CREATE = "virtual-machine.create";
export const JOB_VM_UPDATE_HARDWARE = "virtual-machine.update-hardware";
export const JOB_VM_MIGRATE = "virtual-machine.migrate";

/** Action path -> connector power operation, the allowedOperations entry it needs, and a verb. */
const POWER_ACTIONS: Record<string, { operation: PowerOperation; allowed: string; verb: string }> = {
  "power-on": { operation: "powerOn", allowed: "VIRTUAL_MACHINE_POWER_ON", verb: "Power on" },
  "power-off": { operation: "powerOff", allowed: "VIRTUAL_MACHINE_POWER_OFF", verb: "Power off" },
  reset: { operation: "reset", allowed: "VIRTUAL_MACHINE_RESET", verb: "Reset" },
  "restart-guest-os": { operation: "restartGuest", allowed: "VIRTUAL_MACHINE_RESTART_GUEST_OS", verb: "Restart guest OS of" },
  "shutdown-guest-os": { operation: "shutdownGuest", allowed: "VIRTUAL_MACHINE_SHUTDOWN_GUEST_OS", verb: "Shut down guest OS of" },
};
export const POWER_ACTION_NAMES = Object.keys(POWER_ACTIONS);

interface EditBody {
  cpuMemConfig?: { cpu?: { numOfCpus?: number; numOfCoresPerSocket?: number }; memory?: { memoryInMb?: number } };
  networkAdapters?: unknown[];
  virtualDisks?: unknown[];
}

interface MigrateBody {
  hypervisorManagerId: string;
  targetDatastoreId: string;
  targetHypervisorClusterId: string;
}

interface DeployBody {
  vmConfig: { name: string; acceptEula: boolean; powerOn?: boolean; numberOfVms?: number };
  storageConfig: { defaultDatastoreId: string };
  destination?: { clusterId?: string; folderId?: string; hostId?: string; resourcePoolId?: string };
  imageSource?: { imageId?: string; imageName?: string };
  networkConfig?: { networkMapping?: { name?: string; network?: string }[] };
}

type PlacementKind = "hypervisor-host" | "hypervisor-folder" | "hypervisor-resource-pool" | "hypervisor-cluster" | "datastore";

/** compat: the lab has no content library; a deployed VM gets one blank disk of this size. */
export const BLANK_DISK_BYTES = 64 * 1024 * 1024;

export function virtualMachineHandlers(deps: InventoryContext) {
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

  async function deploySpec(customerId: string, body: DeployBody): Promise<{ managerId: string; spec: CreateVmSpec }> {
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

  const powerAction =
    (action: string) =>
    async (ctx: RequestContext, id: string): Promise<WriteResult> => {
      const { operation, allowed, verb } = POWER_ACTIONS[action]!;
      const vm = await usableVm(ctx.principal.customerId, id);
      requireAllowed(vm, allowed, verb.toLowerCase());
      const managerId = vm.hypervisorManagerInfo.id;
      return startOperation(deps, ctx, { name: `${verb} virtual machine ${vm.name}`, jobType: JOB_VM_POWER, payload: { managerId, vmId: id, operation }, resource: vmResource(vm, managerId) });
    };

  async function migrate(ctx: RequestContext, raw: unknown, query: Record<string, unknown>): Promise<WriteResult> {
    const body = raw as MigrateBody;
    const customerId = ctx.principal.customerId;
    // compat: only `parameter-type=vms` (the VM ids in `vms`); moving whole source datastores is refused.
    if (query["parameter-type"] === "sourceDataStoreIDs") throw AppError.badRequest("parameter-type sourceDataStoreIDs is not supported; list the VMs in `vms`");
    const vmIds = [...new Set((query.vms as string[] | undefined) ?? [])];
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
    return startOperation(deps, ctx, {
      name: vms.length === 1 ? `Migrate virtual machine ${first.name}` : `Migrate ${vms.length} virtual machines`,
      jobType: JOB_VM_MIGRATE,
      payload: { managerId, vmIds, target: { datastoreId, clusterId } },
      resource: vmResource(first, managerId),
    });
  }

  return (repository: DocumentRepository): CollectionHandlers => ({
    repository,
    collectionActions: { migrate },
    async create(ctx, raw) {
      const body = raw as DeployBody;
      if (!body.vmConfig.acceptEula) throw AppError.badRequest("vmConfig.acceptEula must be true");
      const { managerId, spec } = await deploySpec(ctx.principal.customerId, body);
      const resource = { name: spec.name, resourceUri: `/virtualization/v1beta1/hypervisor-managers/${managerId}`, type: "virtualization/hypervisor-manager" };
      return startOperation(deps, ctx, { name: `Deploy virtual machine ${spec.name}`, jobType: JOB_VM_CREATE, payload: { managerId, spec }, resource });
    },
    async remove(ctx, id) {
      const vm = await deps.store.get<VmDoc>("virtual-machine", ctx.principal.customerId, id);
      if (!vm) throw AppError.notFound(`virtual machine '${id}' not found`);
      // A VM already gone from the hypervisor (state DELETED) can be deleted: only its record goes.
      if (vm.state !== "DELETED") requireAllowed(vm, "VIRTUAL_MACHINE_DELETE", "delete");
      const managerId = vm.hypervisorManagerInfo.id;
      return startOperation(deps, ctx, { name: `Delete virtual machine ${vm.name}`, jobType: JOB_VM_DELETE, payload: { managerId, vmId: id }, resource: vmResource(vm, managerId) });
    },
    actions: {
      ...Object.fromEntries(POWER_ACTION_NAMES.map((a) => [a, powerAction(a)])),
      async "update-hardware"(ctx, id, raw) {
        const body = raw as EditBody;
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
        const vm = await usableVm(ctx.principal.customerId, id);
        if (vm.powerState !== "POWERED_OFF") throw AppError.conflict(`virtual machine '${vm.name}' must be powered off to change its hardware`);
        const managerId = vm.hypervisorManagerInfo.id;
        return startOperation(deps, ctx, { name: `Update hardware of virtual machine ${vm.name}`, jobType: JOB_VM_UPDATE_HARDWARE, payload: { managerId, vmId: id, change }, resource: vmResource(vm, managerId) });
      },
      async refresh(ctx, id) {
        const vm = await deps.store.get<VmDoc>("virtual-machine", ctx.principal.customerId, id);
        if (!vm) throw AppError.notFound(`virtual machine '${id}' not found`);
        const managerId = vm.hypervisorManagerInfo.id;
        return startOperation(deps, ctx, { name: `Refresh virtual machine ${vm.name}`, jobType: JOB_VM_REFRESH, payload: { managerId, vmId: id }, resource: vmResource(vm, managerId) });
      },
    },
  });
}
