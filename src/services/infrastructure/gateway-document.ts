// A protection store gateway as stored (the contract's ProtectionStoreGateway, nothing secret in
// it) and the configuration changes its NIC, patch and remote-support operations make.
import type { Static } from "typebox";
import type { StoredDocument } from "../ports/documents.ts";
import { nowIso, systemClock } from "../../domain/clock.ts";
import { AppError } from "../../domain/app-error.ts";
import type { SizeInput, SizeOverride } from "../../domain/gateway-sizer.ts";
import type { GatewayChangeSchema, GatewayHealthState, GatewayState } from "../../domain/schemas/protection-store-gateway-schemas.ts";
import type { ResourceRef } from "../async-operations.ts";

export const GATEWAYS_PATH = "/backup-recovery/v1beta1/protection-store-gateways";
export const GATEWAY_TYPE = "backup-recovery/protection-store-gateway";

export type GatewayChange = Static<typeof GatewayChangeSchema>;

export interface GatewayNic {
  id: string;
  networkIndex: number;
  networkName?: string;
  /** DHCP | STATIC */
  networkType?: string;
  networkAddress?: string;
  subnetMask?: string;
  gateway?: string;
}

export interface GatewayDoc extends StoredDocument {
  name: string;
  displayName: string;
  type: string;
  resourceUri: string;
  consoleUri: string;
  serialNumber: string;
  softwareVersion: string;
  state: GatewayState;
  health: { state: GatewayHealthState; status: "PSG_HEALTH_STATUS_CONNECTED" | "PSG_HEALTH_STATUS_DISCONNECTED"; stateReason?: string; updatedAt: string };
  dataOrchestratorId: string;
  /** The gateway's VM in its hypervisor manager, once deployed. */
  vmId?: string;
  datastoresInfo: { id: string; resourceUri: string; type: string; totalProvisionedDiskInTiB: number }[];
  network: {
    hostname: string;
    dns: { networkAddress?: string }[];
    ntp: { networkAddress?: string }[];
    nics: GatewayNic[];
    proxy?: { networkAddress?: string; port?: number; credentials?: { username?: string } };
  };
  size: SizeInput;
  override?: SizeOverride;
  remoteAccessEnabled: boolean;
  remoteAccessStationId?: string;
  // compat: PATCH accepts dateTime, which the contract's gateway resource does not list; kept so a GET shows it.
  dateTime?: { methodDateTimeSet?: string; timezone?: string; utcDateTime?: string };
}

export const gatewayResource = (g: GatewayDoc): ResourceRef => ({ name: g.name, resourceUri: g.resourceUri, type: GATEWAY_TYPE });

/** Storage the gateway was sized for, bytes (the sum over its datastores). */
export const gatewayCapacityBytes = (g: GatewayDoc): number => Math.round(g.datastoresInfo.reduce((n, d) => n + d.totalProvisionedDiskInTiB, 0) * 2 ** 40);

const HEALTH_OF: Partial<Record<GatewayState, GatewayHealthState>> = {
  PSG_STATE_OK: "PSG_HEALTH_STATE_OK",
  PSG_STATE_OK_OFF: "PSG_HEALTH_STATE_OFF",
  PSG_STATE_DEPLOYING: "PSG_HEALTH_STATE_DEPLOYING",
  PSG_STATE_DELETING: "PSG_HEALTH_STATE_DELETING",
  PSG_STATE_ERROR: "PSG_HEALTH_STATE_ERROR",
  PSG_STATE_DEPLOYED_ERROR: "PSG_HEALTH_STATE_ERROR",
};

/** Sets state and the health that goes with it; a reason only where one is given. */
export function setGatewayState(g: GatewayDoc, state: GatewayState, reason?: string): GatewayDoc {
  g.state = state;
  const running = state !== "PSG_STATE_OK_OFF" && state !== "PSG_STATE_DEPLOYING" && state !== "PSG_STATE_DEPLOYED_ERROR" && g.vmId !== undefined;
  g.health = {
    state: HEALTH_OF[state] ?? "PSG_HEALTH_STATE_UPDATING",
    status: running ? "PSG_HEALTH_STATUS_CONNECTED" : "PSG_HEALTH_STATUS_DISCONNECTED",
    ...(reason !== undefined ? { stateReason: reason.slice(0, 255) } : {}),
    updatedAt: nowIso(systemClock),
  };
  return g;
}

/** States in which the gateway runs no operation and may take a new one. */
const IDLE: ReadonlySet<GatewayState> = new Set(["PSG_STATE_OK", "PSG_STATE_OK_OFF", "PSG_STATE_ERROR", "PSG_STATE_DEPLOYED_ERROR"]);

export function ensureIdle(g: GatewayDoc): void {
  if (!IDLE.has(g.state)) throw AppError.conflict(`protection store gateway '${g.name}' is busy (${g.state}); try again when it is done`);
}

export function ensureDeployed(g: GatewayDoc): string {
  if (g.vmId === undefined || g.state === "PSG_STATE_DEPLOYED_ERROR") throw AppError.conflict(`protection store gateway '${g.name}' has no deployed VM`);
  return g.vmId;
}

function nicOf(g: GatewayDoc, id: string): GatewayNic {
  const nic = g.network.nics.find((n) => n.id === id);
  if (!nic) throw AppError.badRequest(`nic.id: the gateway has no network interface '${id}'`);
  return nic;
}

function checkNic(g: GatewayDoc, nic: GatewayNic): void {
  if (nic.networkType === "STATIC" && (nic.networkAddress === undefined || nic.subnetMask === undefined)) {
    throw AppError.badRequest("nic: a STATIC interface needs networkAddress and subnetMask");
  }
  const clash = nic.networkAddress !== undefined && g.network.nics.find((n) => n.id !== nic.id && n.networkAddress === nic.networkAddress);
  if (clash) throw AppError.badRequest(`nic.networkAddress: ${nic.networkAddress} is already the address of interface ${clash.id}`);
}

const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** Applies a configuration change; 400 when it does not fit the configuration (checked when accepted, applied again by the job). */
export function applyGatewayChange(g: GatewayDoc, change: GatewayChange): GatewayDoc {
  switch (change.kind) {
    case "patch": {
      if (change.dns) g.network.dns = change.dns;
      if (change.ntp) g.network.ntp = change.ntp;
      if (change.dateTime) g.dateTime = { ...g.dateTime, ...change.dateTime };
      if (change.proxy === null) delete g.network.proxy;
      else if (change.proxy) {
        const { username, ...rest } = change.proxy;
        g.network.proxy = defined({ ...g.network.proxy, ...rest, ...(username !== undefined ? { credentials: { username } } : {}) });
      }
      return g;
    }
    case "createNic": {
      const nic: GatewayNic = { ...change.nic, networkIndex: Math.max(-1, ...g.network.nics.map((n) => n.networkIndex)) + 1 };
      checkNic(g, nic);
      g.network.nics.push(nic);
      return g;
    }
    case "updateNic": {
      const next: GatewayNic = { ...nicOf(g, change.nic.id), ...defined(change.nic) };
      checkNic(g, next);
      g.network.nics = g.network.nics.map((n) => (n.id === next.id ? next : n));
      return g;
    }
    case "deleteNic": {
      // The first interface carries the gateway's management traffic to obr.
      if (nicOf(g, change.id).networkIndex === 0) throw AppError.badRequest("nic.id: the management interface (networkIndex 0) cannot be removed");
      g.network.nics = g.network.nics.filter((n) => n.id !== change.id);
      return g;
    }
    case "remoteSupport": {
      g.remoteAccessEnabled = change.enabled;
      if (change.enabled && change.stationId !== undefined) g.remoteAccessStationId ??= change.stationId;
      if (!change.enabled) delete g.remoteAccessStationId;
      return g;
    }
  }
}
