// Fixtures for the protection store gateway suites: a lab registered as a hypervisor manager and
// gateways deployed in it over HTTP.
import { expect } from "vitest";
import { expectContract, json } from "./greenlake.ts";
import { type SmallLab, VIRT, accepted, createSmallLab, registerLab } from "./inventory.ts";
import type { TestServer } from "./test-server.ts";

export const PSG = "/backup-recovery/v1beta1/protection-store-gateways";

export type Gateway = Record<string, unknown> & {
  id: string;
  name: string;
  state: string;
  vmId?: string;
  serialNumber: string;
  remoteAccessEnabled?: boolean;
  remoteAccessStationId?: string;
  network: { nics: { id: string; networkIndex: number; networkName?: string; networkType?: string; networkAddress?: string; subnetMask?: string }[] };
};

export interface GatewayLab {
  lab: SmallLab;
  managerId: string;
  datastoreId: string;
}

export function gatewayBody(managerId: string, datastoreId: string, name: string, extra: Record<string, unknown> = {}) {
  return {
    hypervisorManagerId: managerId,
    name,
    vmConfig: { datastoreIds: [datastoreId], maxOnPremDailyProtectedDataInTiB: 5, maxOnPremRetentionDays: 5, maxInCloudDailyProtectedDataInTiB: 90, maxInCloudRetentionDays: 90, ...extra },
  };
}

/** A one-VM lab registered in the admin's workspace, and its first datastore. */
export async function gatewayLab(server: TestServer, name: string): Promise<GatewayLab> {
  const lab = await createSmallLab(server, name, 1);
  const managerId = (await registerLab(server, lab.address)).id;
  const ds = await json<{ items: { id: string }[] }>(await server.api(`${VIRT}/datastores`), 200);
  return { lab, managerId, datastoreId: ds.items[0]!.id };
}

/** Deploys a gateway and waits; returns its id. */
export async function deployGateway(server: TestServer, at: GatewayLab, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const op = await accepted(server, PSG, { json: gatewayBody(at.managerId, at.datastoreId, name, extra) });
  expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
  return op.associatedResources.find((r) => r.type === "backup-recovery/protection-store-gateway")!.resourceUri.split("/").at(-1)!;
}

/** GET of one gateway, checked against the contract. */
export async function getGateway(server: TestServer, id: string, token?: string): Promise<Gateway> {
  const g = await json<Gateway>(await server.api(`${PSG}/${id}`, token ? { token } : {}), 200);
  expectContract("backup-recovery", "ProtectionStoreGateway", g);
  return g;
}
