// Connector Network -> the contract's HypervisorNetwork document.
import type { Network } from "../../ports/hypervisor-connector.ts";
import { type InventoryDoc, type MapContext, baseDoc, refsTo, vmwarePlacement } from "./map-context.ts";

export function mapNetwork(ctx: MapContext, network: Network): InventoryDoc {
  return {
    ...baseDoc(ctx, "hypervisor-network", network),
    appInfo: vmwarePlacement(ctx, network),
    hostsInfo: refsTo(ctx, "hypervisor-host", network.hostIds),
    state: "OK",
    status: "OK",
  };
}
