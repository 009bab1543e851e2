// Connector ResourcePool -> the contract's HypervisorResourcePool document.
import type { ResourcePool } from "../../ports/hypervisor-connector.ts";
import { type InventoryDoc, type MapContext, baseDoc, refTo, refsTo, vmwarePlacement } from "./map-context.ts";

export function mapResourcePool(ctx: MapContext, pool: ResourcePool): InventoryDoc {
  const cluster = refTo(ctx, "hypervisor-cluster", pool.clusterId);
  const clusterMoref = ctx.inventory.clusters.find((c) => c.id === pool.clusterId)?.moref;
  return {
    ...baseDoc(ctx, "hypervisor-resource-pool", pool),
    appInfo: vmwarePlacement(ctx, pool),
    childResourcePools: refsTo(ctx, "hypervisor-resource-pool", pool.childIds),
    ...(cluster ? { clusterInfo: { ...cluster, ...(clusterMoref ? { moref: clusterMoref } : {}) } } : {}),
    ...(cluster ? { ownerInfo: { id: cluster.id, name: cluster.name, type: cluster.type } } : {}),
    state: "OK",
    status: "OK",
  };
}
