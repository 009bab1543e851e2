// Connector Cluster -> the contract's HypervisorCluster document.
import type { Cluster } from "../../ports/hypervisor-connector.ts";
import { type InventoryDoc, type MapContext, baseDoc, refsTo, vmwarePlacement } from "./map-context.ts";

export function mapCluster(ctx: MapContext, cluster: Cluster): InventoryDoc {
  const datastores = ctx.inventory.datastores.filter((d) => cluster.datastoreIds.includes(d.id));
  const total = datastores.reduce((sum, d) => sum + d.capacityBytes, 0);
  const free = datastores.reduce((sum, d) => sum + d.freeBytes, 0);
  return {
    ...baseDoc(ctx, "hypervisor-cluster", cluster),
    appInfo: vmwarePlacement(ctx, cluster),
    clusterType: "ESX_CLUSTER",
    clusterPerfMetricInfo: {
      cpuCapacityInMhz: cluster.cpuCapacityMhz,
      memorySizeInBytes: cluster.memoryBytes,
      totalStorageInBytes: total,
      usedStorageInBytes: total - free,
    },
    hypervisorHosts: refsTo(ctx, "hypervisor-host", cluster.hostIds),
    // The contract lists network morefs here ("network-2053").
    networksInfo: ctx.inventory.networks.filter((n) => cluster.networkIds.includes(n.id)).map((n) => n.moref),
    state: "OK",
    status: "OK",
  };
}
