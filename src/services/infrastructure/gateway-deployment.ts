// Turns a gateway's vmConfig into a lab VM deployment: every reference checked against the
// hypervisor manager's inventory (400 before anything is queued), the VM sized by the sizer.
import { isIP } from "node:net";
import type { Static } from "typebox";
import type { CreateVmSpec } from "../ports/hypervisor-connector.ts";
import type { StoredDocument } from "../ports/documents.ts";
import { AppError } from "../../domain/app-error.ts";
import { type SizeResult, sizeGateway } from "../../domain/gateway-sizer.ts";
import type { GatewayPostSchema } from "../../domain/schemas/protection-store-gateway-schemas.ts";
import type { InventoryKind } from "../../domain/inventory-paths.ts";
import type { GatewayContext } from "./gateway-context.ts";
import type { GatewayDoc, GatewayNic } from "./gateway-document.ts";

export type GatewayPostCommand = Static<typeof GatewayPostSchema>;

/** The appliance's system disk; its stores are directories beside it in the VM's home. */
export const APPLIANCE_DISK_BYTES = 64 * 1024 * 1024;
const TIB = 2 ** 40;

export interface Deployment {
  managerId: string;
  spec: CreateVmSpec;
  size: SizeResult;
  datastoresInfo: GatewayDoc["datastoresInfo"];
  nic: Omit<GatewayNic, "id" | "networkIndex">;
}

type InventoryDoc = StoredDocument & { name: string; hypervisorManagerInfo?: { id: string }; state?: string };

async function objectIn(ctx: GatewayContext, customerId: string, managerId: string, kind: InventoryKind, idOrName: string, field: string): Promise<InventoryDoc> {
  const byId = await ctx.inventory.store.get<InventoryDoc>(kind, customerId, idOrName);
  const found =
    byId?.hypervisorManagerInfo?.id === managerId
      ? byId
      : kind === "hypervisor-network"
        ? (await ctx.inventory.store.listForManager<InventoryDoc>(kind, customerId, managerId)).find((n) => n.name === idOrName)
        : undefined;
  if (!found || found.state === "DELETED") throw AppError.badRequest(`${field}: no ${kind.replace("hypervisor-", "")} '${idOrName}' in hypervisor manager '${managerId}'`);
  return found;
}

/** The datastores (of the manager) a gateway's storage is spread over, each with its share; 400 for an unknown one. */
export async function gatewayDatastores(ctx: GatewayContext, customerId: string, managerId: string, ids: readonly string[], storageInTiB: number, field: string): Promise<GatewayDoc["datastoresInfo"]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) throw AppError.badRequest(`${field}: name at least one datastore for the gateway's storage`);
  const datastores = [];
  for (const id of unique) datastores.push(await objectIn(ctx, customerId, managerId, "datastore", id, field));
  return datastores.map((d) => ({ id: d.id, resourceUri: `/virtualization/v1beta1/datastores/${d.id}`, type: "virtualization/datastore", totalProvisionedDiskInTiB: storageInTiB / unique.length }));
}

/**
 * Checks a create/recover request against the manager's inventory and sizes the VM. The VM name
 * must be free in the manager, except for `replacingVmId` (the VM a forced recovery replaces).
 */
export async function planDeployment(ctx: GatewayContext, customerId: string, body: GatewayPostCommand, replacingVmId?: string): Promise<Deployment> {
  const managerId = body.hypervisorManagerId;
  const { vmConfig } = body;
  const size = sizeGateway(vmConfig, vmConfig.override);
  const datastoresInfo = await gatewayDatastores(ctx, customerId, managerId, vmConfig.datastoreIds ?? [], size.storageInTiB, "vmConfig.datastoreIds");
  const network = vmConfig.network;
  const adapter = network?.name ? await objectIn(ctx, customerId, managerId, "hypervisor-network", network.name, "vmConfig.network.name") : undefined;
  if (network?.networkType === "STATIC" && (network.networkAddress === undefined || network.subnetMask === undefined)) {
    throw AppError.badRequest("vmConfig.network: a STATIC network needs networkAddress and subnetMask");
  }
  if (network?.networkAddress !== undefined && isIP(network.networkAddress) !== 4) {
    throw AppError.badRequest(`vmConfig.network.networkAddress: '${network.networkAddress}' is not an IPv4 address`);
  }
  const place = async (kind: InventoryKind, id: string | undefined, field: string) => (id ? (await objectIn(ctx, customerId, managerId, kind, id, field)).id : undefined);
  const hostId = await place("hypervisor-host", vmConfig.hostId, "vmConfig.hostId");
  const folderId = await place("hypervisor-folder", vmConfig.folderId, "vmConfig.folderId");
  const resourcePoolId = await place("hypervisor-resource-pool", vmConfig.resourcePoolId, "vmConfig.resourcePoolId");
  await place("hypervisor-cluster", vmConfig.clusterId, "vmConfig.clusterId");
  const vms = await ctx.inventory.store.listForManager<InventoryDoc>("virtual-machine", customerId, managerId);
  if (vms.some((v) => v.name === body.name && v.state !== "DELETED" && v.id !== replacingVmId)) throw AppError.badRequest(`name: a virtual machine named '${body.name}' already exists in that hypervisor manager`);
  return {
    managerId,
    size,
    spec: {
      name: body.name,
      datastoreId: datastoresInfo[0]!.id,
      numCpus: Math.ceil(size.vCpu),
      memoryMib: Math.ceil(size.ramInGiB * 1024),
      guest: { family: "linux", osName: "HPE Protection Store Gateway (64-bit)", hostname: body.name.toLowerCase() },
      disks: [{ capacityBytes: APPLIANCE_DISK_BYTES }],
      ...(adapter ? { networkAdapters: [{ networkId: adapter.id }] } : {}),
      powerOn: true,
      ...(hostId ? { hostId } : {}),
      ...(folderId ? { folderId } : {}),
      ...(resourcePoolId ? { resourcePoolId } : {}),
    },
    datastoresInfo,
    nic: {
      networkType: network?.networkType ?? "DHCP",
      ...(adapter ? { networkName: adapter.name } : {}),
      ...(network?.networkAddress !== undefined ? { networkAddress: network.networkAddress } : {}),
      ...(network?.subnetMask !== undefined ? { subnetMask: network.subnetMask } : {}),
      ...(network?.gateway !== undefined ? { gateway: network.gateway } : {}),
    },
  };
}

/** Bytes of storage a size result provides. */
export const storageBytes = (size: SizeResult): number => Math.round(size.storageInTiB * TIB);
