// Discovery -> documents: maps a connector inventory to every kind's documents and reconciles
// them with what is stored for the hypervisor manager.
import type { Inventory } from "../ports/hypervisor-connector.ts";
import type { InventoryKind } from "../../domain/inventory-paths.ts";
import type { InventoryStore } from "./inventory-store.ts";
import { mapDatastore } from "./mappers/datastore-mapper.ts";
import { mapCluster } from "./mappers/hypervisor-cluster-mapper.ts";
import { mapFolder } from "./mappers/hypervisor-folder-mapper.ts";
import { mapHost } from "./mappers/hypervisor-host-mapper.ts";
import { mapNetwork } from "./mappers/hypervisor-network-mapper.ts";
import { mapResourcePool } from "./mappers/hypervisor-resource-pool-mapper.ts";
import { mapTag } from "./mappers/hypervisor-tag-mapper.ts";
import { type InventoryDoc, type ManagerIdentity, type MapContext, mapContext } from "./mappers/map-context.ts";
import { mapVirtualMachine } from "./mappers/virtual-machine-mapper.ts";
import { type GonePolicy, type ReconcileCounts, reconcile } from "./reconcile.ts";

/** Fields of VMs and datastores that protection features own; discovery never overwrites them. */
export const PROTECTION_FIELDS = ["protectionStatus", "recoveryPointsExist", "protectionJobInfo", "protectionPolicyAppliedAtInfo", "vmProtectionGroupsInfo"] as const;
const PROTECTION_INITIAL = { protectionStatus: "UNPROTECTED", recoveryPointsExist: false, vmProtectionGroupsInfo: [] };

interface KindPlan {
  kind: InventoryKind;
  map(ctx: MapContext): InventoryDoc[];
  gone: GonePolicy;
  protection?: true;
}

// Order matters only for readers: containers before their contents.
const PLANS: readonly KindPlan[] = [
  { kind: "hypervisor-cluster", map: (c) => c.inventory.clusters.map((x) => mapCluster(c, x)), gone: "error" },
  { kind: "hypervisor-host", map: (c) => c.inventory.hosts.map((x) => mapHost(c, x)), gone: "error" },
  { kind: "hypervisor-network", map: (c) => c.inventory.networks.map((x) => mapNetwork(c, x)), gone: "error" },
  { kind: "hypervisor-folder", map: (c) => c.inventory.folders.map((x) => mapFolder(c, x)), gone: "remove" },
  { kind: "hypervisor-resource-pool", map: (c) => c.inventory.resourcePools.map((x) => mapResourcePool(c, x)), gone: "error" },
  { kind: "datastore", map: (c) => c.inventory.datastores.map((x) => mapDatastore(c, x)), gone: "deleted", protection: true },
  { kind: "virtual-machine", map: (c) => c.inventory.vms.map((x) => mapVirtualMachine(c, x)), gone: "deleted", protection: true },
  { kind: "hypervisor-tag", map: (c) => c.inventory.tags.map((x) => mapTag(c, x)), gone: "deleted" },
];

export type SyncCounts = Partial<Record<InventoryKind, ReconcileCounts>>;

export interface SyncScope {
  /** Reconcile only these kinds (default all). */
  kinds?: readonly InventoryKind[];
  /** Within `virtual-machine`, only these VM ids. */
  vmIds?: ReadonlySet<string>;
}

export async function syncInventory(
  store: InventoryStore,
  customerId: string,
  manager: ManagerIdentity,
  inventory: Inventory,
  scope: SyncScope = {},
): Promise<SyncCounts> {
  const ctx = mapContext(customerId, manager, inventory);
  const counts: SyncCounts = {};
  for (const plan of PLANS) {
    if (scope.kinds && !scope.kinds.includes(plan.kind)) continue;
    const existing = await store.listForManager(plan.kind, customerId, manager.id);
    counts[plan.kind] = await reconcile(store.repository(plan.kind), existing, plan.map(ctx), {
      gone: plan.gone,
      ...(plan.protection ? { preserve: PROTECTION_FIELDS, initial: PROTECTION_INITIAL } : {}),
      ...(plan.kind === "virtual-machine" && scope.vmIds ? { onlyIds: scope.vmIds } : {}),
      // A VM restored over itself stays RESTORING until the restore's job ends (restore-work.ts).
      ...(plan.kind === "virtual-machine" ? { busyStates: ["RESTORING"] } : {}),
    });
  }
  return counts;
}

/** "6 VMs, 2 datastores, ... (3 new, 1 changed, 1 gone)" for operation logs. */
export function describeSync(inventory: Inventory, counts: SyncCounts): string {
  const all = Object.values(counts);
  const sum = (k: keyof ReconcileCounts) => all.reduce((s, c) => s + (c?.[k] ?? 0), 0);
  return (
    `${inventory.vms.length} virtual machines, ${inventory.datastores.length} datastores, ${inventory.hosts.length} hosts, ` +
    `${inventory.clusters.length} clusters, ${inventory.networks.length} networks ` +
    `(${sum("created")} new, ${sum("updated")} changed, ${sum("gone")} gone)`
  );
}
