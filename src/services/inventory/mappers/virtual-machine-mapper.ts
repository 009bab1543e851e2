// Connector VirtualMachine -> the contract's VirtualMachine document.
import type { GuestFamily, PowerState, ToolsStatus, VirtualMachine } from "../../ports/hypervisor-connector.ts";
import { type InventoryDoc, type MapContext, baseDoc, datacenterInfo, refTo, refsTo } from "./map-context.ts";

export const POWER_STATE: Record<PowerState, "POWERED_ON" | "POWERED_OFF" | "SUSPENDED"> = {
  poweredOn: "POWERED_ON",
  poweredOff: "POWERED_OFF",
  suspended: "SUSPENDED",
};
const GUEST_TYPE: Record<GuestFamily, "LINUX" | "WINDOWS" | "OTHERS"> = { linux: "LINUX", windows: "WINDOWS", other: "OTHERS" };
const TOOLS_STATUS: Record<ToolsStatus, string> = { ok: "OK", notRunning: "NOT_RUNNING", notInstalled: "NOT_INSTALLED", old: "OLD" };

/** The power and lifecycle operations that apply to the VM now (the lab's power rules). */
export function allowedOperations(vm: Pick<VirtualMachine, "powerState" | "guest">): string[] {
  const tools = vm.guest.toolsStatus === "ok";
  switch (vm.powerState) {
    case "poweredOn":
      return [
        "VIRTUAL_MACHINE_POWER_OFF",
        "VIRTUAL_MACHINE_RESET",
        ...(tools ? ["VIRTUAL_MACHINE_SHUTDOWN_GUEST_OS", "VIRTUAL_MACHINE_RESTART_GUEST_OS"] : []),
      ];
    case "suspended":
      return ["VIRTUAL_MACHINE_POWER_ON", "VIRTUAL_MACHINE_POWER_OFF", "VIRTUAL_MACHINE_DELETE"];
    case "poweredOff":
      return ["VIRTUAL_MACHINE_POWER_ON", "VIRTUAL_MACHINE_DELETE"];
  }
}

export function mapVirtualMachine(ctx: MapContext, vm: VirtualMachine): InventoryDoc {
  const homeId = vm.datastoreIds[0];
  const home = ctx.inventory.datastores.find((d) => d.id === homeId);
  const dc = datacenterInfo(ctx, vm.datacenterId);
  const pool = refTo(ctx, "hypervisor-resource-pool", vm.resourcePoolId);
  const cluster = refTo(ctx, "hypervisor-cluster", vm.clusterId);
  const host = refTo(ctx, "hypervisor-host", vm.hostId);
  const folder = refTo(ctx, "hypervisor-folder", vm.folderId);
  const poolMoref = ctx.inventory.resourcePools.find((p) => p.id === vm.resourcePoolId)?.moref;
  return {
    ...baseDoc(ctx, "virtual-machine", vm),
    createdAt: vm.createdAt,
    appType: "VMWARE",
    appInfo: {
      vmware: {
        moref: vm.moref,
        ...(home ? { type: home.type } : {}),
        ...(dc ? { datacenterInfo: dc } : {}),
        datastoresInfo: refsTo(ctx, "datastore", vm.datastoreIds),
        ...(pool ? { resourcePoolInfo: { ...pool, ...(poolMoref ? { moref: poolMoref } : {}) } } : {}),
        toolsInfo: { status: TOOLS_STATUS[vm.guest.toolsStatus], ...(vm.guest.toolsVersion ? { version: vm.guest.toolsVersion } : {}) },
      },
    },
    allowedOperations: allowedOperations(vm),
    capacityInBytes: vm.disks.reduce((sum, d) => sum + d.capacityBytes, 0),
    ...(cluster ? { clusterInfo: cluster } : {}),
    ...(host ? { hostInfo: host } : {}),
    ...(folder ? { folderInfo: folder } : {}),
    computeInfo: { memorySizeInMib: String(vm.memoryMib), numCpuCores: vm.numCpus },
    guestInfo: { name: vm.guest.osName, type: GUEST_TYPE[vm.guest.family], ...(vm.guest.osVersion ? { releaseVersion: vm.guest.osVersion } : {}) },
    networkAdapters: vm.networkAdapters.map((nic) => {
      const network = refTo(ctx, "hypervisor-network", nic.networkId);
      return {
        name: nic.label,
        macAddress: nic.macAddress,
        macAddressType: nic.macAddressType === "manual" ? "MANUAL" : "AUTOMATIC",
        networkDetails: { ...(network ?? { id: nic.networkId }), connectAtPowerOn: nic.connectAtPowerOn, state: network ? "AVAILABLE" : "DELETED" },
      };
    }),
    // Known only while the guest runs with tools, as in vCenter.
    ...(vm.guest.ipAddress ? { networkAddress: vm.guest.ipAddress } : {}),
    powerState: POWER_STATE[vm.powerState],
    state: "OK",
    status: "OK",
    uid: vm.instanceUuid,
    vclsVm: false,
    ...(vm.template ? { vmClassification: "TEMPLATE_VM" } : {}),
    vmConfigPath: vm.configPath,
    virtualDisks: vm.disks.map((disk) => {
      const ds = refTo(ctx, "datastore", disk.datastoreId);
      return {
        id: disk.id,
        uid: disk.id,
        name: disk.label,
        capacityInBytes: disk.capacityBytes,
        filePath: disk.filePath,
        ...(ds ? { appInfo: { vmware: { datastoreInfo: ds } } } : {}),
      };
    }),
  };
}
