// What discovery tells about the hypervisor manager itself: merged into the registered
// manager's document (its id, name, address and credentials stay as registered).
import type { Inventory } from "../../ports/hypervisor-connector.ts";

export function managerFacts(inventory: Inventory): Record<string, unknown> {
  return {
    appInfo: { vmware: { datacenters: inventory.datacenters.map((d) => ({ id: d.id, moref: d.moref, name: d.name })) } },
    buildVersion: inventory.manager.buildVersion,
    releaseVersion: inventory.manager.releaseVersion,
    uid: inventory.manager.instanceUuid,
    lastRefreshed: inventory.collectedAt,
  };
}
