// What every inventory mapper needs: the owning workspace and manager, the whole discovered
// inventory (to name referenced objects) and how to build references.
import type { Inventory, InventoryObject } from "../../ports/hypervisor-connector.ts";
import { type InventoryKind, resourceUriOf, typeOf } from "../../../domain/inventory-paths.ts";

export interface ManagerIdentity {
  id: string;
  name: string;
  displayName: string;
}

/** A mapped document before bookkeeping (generation and timestamps are set when stored). */
export interface InventoryDoc {
  id: string;
  customerId: string;
  name: string;
  type: string;
  resourceUri: string;
  [key: string]: unknown;
}

export interface InventoryRef {
  id: string;
  name: string;
  displayName: string;
  resourceUri: string;
  type: string;
}

export interface MapContext {
  customerId: string;
  manager: ManagerIdentity;
  inventory: Inventory;
  /** Every inventory object by id with its kind. */
  objects: Map<string, { kind: InventoryKind | "datacenter"; object: InventoryObject }>;
}

export function mapContext(customerId: string, manager: ManagerIdentity, inventory: Inventory): MapContext {
  const objects: MapContext["objects"] = new Map();
  const add = (kind: InventoryKind | "datacenter", list: readonly InventoryObject[]) => {
    for (const object of list) objects.set(object.id, { kind, object });
  };
  add("datacenter", inventory.datacenters);
  add("hypervisor-cluster", inventory.clusters);
  add("hypervisor-host", inventory.hosts);
  add("datastore", inventory.datastores);
  add("virtual-machine", inventory.vms);
  add("hypervisor-network", inventory.networks);
  add("hypervisor-folder", inventory.folders);
  add("hypervisor-resource-pool", inventory.resourcePools);
  add("hypervisor-tag", inventory.tags);
  return { customerId, manager, inventory, objects };
}

/** Reference to an object of the inventory; undefined when the id is unknown (or null). */
export function refTo(ctx: MapContext, kind: InventoryKind, id: string | null | undefined): InventoryRef | undefined {
  const found = id ? ctx.objects.get(id) : undefined;
  if (!found || found.kind !== kind) return undefined;
  const { name } = found.object;
  return { id: found.object.id, name, displayName: name, resourceUri: resourceUriOf(kind, found.object.id, ctx.manager.id), type: typeOf(kind) };
}

export const refsTo = (ctx: MapContext, kind: InventoryKind, ids: readonly string[]): InventoryRef[] =>
  ids.map((id) => refTo(ctx, kind, id)).filter((r): r is InventoryRef => r !== undefined);

export function managerRef(manager: ManagerIdentity): InventoryRef {
  return {
    id: manager.id,
    name: manager.name,
    displayName: manager.displayName,
    resourceUri: resourceUriOf("hypervisor-manager", manager.id, manager.id),
    type: typeOf("hypervisor-manager"),
  };
}

export function datacenterInfo(ctx: MapContext, id: string): { id: string; moref: string; name: string } | undefined {
  const dc = ctx.inventory.datacenters.find((d) => d.id === id);
  return dc ? { id: dc.id, moref: dc.moref, name: dc.name } : undefined;
}

/** The fields every mapped inventory document starts with. */
export function baseDoc(ctx: MapContext, kind: InventoryKind, object: InventoryObject): InventoryDoc {
  return {
    id: object.id,
    customerId: ctx.customerId,
    name: object.name,
    displayName: object.name,
    type: typeOf(kind),
    resourceUri: resourceUriOf(kind, object.id, ctx.manager.id),
    hypervisorManagerInfo: managerRef(ctx.manager),
  };
}

/** appInfo.vmware of placement objects: datacenter and moref. */
export function vmwarePlacement(ctx: MapContext, object: InventoryObject & { datacenterId: string }) {
  const dc = datacenterInfo(ctx, object.datacenterId);
  return { vmware: { moref: object.moref, ...(dc ? { datacenterInfo: dc } : {}) } };
}
