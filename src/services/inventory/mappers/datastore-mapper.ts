// Connector Datastore -> the contract's Datastore document.
import type { Datastore } from "../../ports/hypervisor-connector.ts";
import { type InventoryDoc, type MapContext, baseDoc, datacenterInfo, refTo, refsTo } from "./map-context.ts";

export function mapDatastore(ctx: MapContext, ds: Datastore): InventoryDoc {
  const dc = datacenterInfo(ctx, ds.datacenterId);
  const cluster = refTo(ctx, "hypervisor-cluster", ds.clusterId);
  const folder = refTo(ctx, "hypervisor-folder", ds.folderId);
  return {
    ...baseDoc(ctx, "datastore", ds),
    moref: ds.moref,
    appType: "VMWARE",
    capacityInBytes: ds.capacityBytes,
    capacityFree: ds.freeBytes,
    capacityUncommitted: ds.uncommittedBytes,
    ...(cluster ? { clusterInfo: cluster } : {}),
    datacentersInfo: dc ? [dc] : [],
    datastoreType: ds.type,
    ...(folder ? { folderInfo: folder } : {}),
    hostsInfo: refsTo(ctx, "hypervisor-host", ds.hostIds),
    state: "OK",
    status: "OK",
    uid: ds.id,
    vmCount: ctx.inventory.vms.filter((vm) => vm.datastoreIds.includes(ds.id)).length,
  };
}
