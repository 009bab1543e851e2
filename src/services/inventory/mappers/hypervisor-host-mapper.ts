// Connector Host -> the contract's HypervisorHost document.
import type { Host } from "../../ports/hypervisor-connector.ts";
import { type InventoryDoc, type MapContext, baseDoc, refTo, vmwarePlacement } from "./map-context.ts";

export function mapHost(ctx: MapContext, host: Host): InventoryDoc {
  const networks = ctx.inventory.networks.filter((n) => host.networkIds.includes(n.id));
  const datastores = ctx.inventory.datastores.filter((d) => host.datastoreIds.includes(d.id));
  const total = datastores.reduce((sum, d) => sum + d.capacityBytes, 0);
  const parent = host.clusterId ? refTo(ctx, "hypervisor-cluster", host.clusterId) : refTo(ctx, "hypervisor-folder", host.folderId);
  const connected = host.connectionState === "connected";
  return {
    ...baseDoc(ctx, "hypervisor-host", host),
    appInfo: vmwarePlacement(ctx, host),
    cpuInfo: {
      hyperthreadingActive: host.cpu.threads > host.cpu.cores,
      logicalProcessors: host.cpu.threads,
      processorCores: host.cpu.cores,
      processorSockets: host.cpu.sockets,
      processorSpeedHz: host.cpu.speedHz,
    },
    cpuSockets: Array.from({ length: host.cpu.sockets }, () => ({ cpuCoreSpeedHz: host.cpu.speedHz, vendor: host.cpu.vendor })),
    hostNetworkSystem: { portGroups: networks.map((n) => ({ key: n.moref, name: n.name, vlanId: n.vlanId })) },
    hostPerfMetricInfo: {
      cpuCapacityInHz: host.cpu.speedHz * host.cpu.cores,
      memorySizeInBytes: host.memoryBytes,
      totalStorageInBytes: total,
      usedStorageInBytes: total - datastores.reduce((sum, d) => sum + d.freeBytes, 0),
    },
    hostType: "ESXI",
    networkAddress: host.networkAddress,
    networksInfo: networks.map((n) => n.moref),
    ...(parent ? { parentInfo: { ...parent, type: host.clusterId ? "CLUSTER" : "FOLDER" } } : {}),
    state: connected ? "OK" : "ERROR",
    ...(connected ? {} : { stateReason: "the host is disconnected" }),
    status: connected ? "OK" : "ERROR",
    uid: host.id,
    version: `${host.version} (build ${host.build})`,
  };
}
