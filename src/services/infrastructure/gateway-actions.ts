// The actions on one gateway: NICs, power, remote support, console user, support bundle and
// network tests. Checks run before anything is queued (400/404/409, nothing changed).
import { randomBytes, randomUUID } from "node:crypto";
import type { Static } from "typebox";
import { hashSecret } from "../../auth/secret-hash.ts";
import type { StoredDocument } from "../ports/documents.ts";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/app-error.ts";
import type { OperationOutcome, ResourceOutcome } from "../../domain/outcome.ts";
import type {
  NetworkDebugSchema,
  NicCreateSchema,
  NicDeleteSchema,
  NicUpdateSchema,
  RemoteSupportSchema,
  SupportBundleSchema,
} from "../../domain/schemas/protection-store-gateway-schemas.ts";
import { type GatewayContext, gatewayPlacement, requireGateway, startGatewayOperation } from "./gateway-context.ts";
import { startOperation } from "../inventory/inventory-context.ts";
import { type GatewayDoc, ensureDeployed, gatewayResource, setGatewayState } from "./gateway-document.ts";
import { probeTarget } from "./network-tests.ts";
import { startConfigChange } from "./protection-store-gateways.ts";

export const JOB_GATEWAY_POWER = "protection-store-gateway.power";
export const JOB_GATEWAY_SUPPORT_BUNDLE = "protection-store-gateway.support-bundle";
export const JOB_GATEWAY_NETWORK_TEST = "protection-store-gateway.network-test";

export type GatewayPowerAction = "power-on" | "restart-guest-os" | "shutdown-guest-os";
export type NetworkTool = "ping" | "traceroute";

export interface GatewayActionUseCases {
  createNic(actor: Actor, id: string, command: Static<typeof NicCreateSchema>): Promise<OperationOutcome>;
  updateNic(actor: Actor, id: string, command: Static<typeof NicUpdateSchema>): Promise<OperationOutcome>;
  deleteNic(actor: Actor, id: string, command: Static<typeof NicDeleteSchema>): Promise<OperationOutcome>;
  setRemoteSupport(actor: Actor, id: string, command: Static<typeof RemoteSupportSchema>): Promise<OperationOutcome>;
  /** `force` on shutdown powers the VM off without asking the guest. */
  power(actor: Actor, id: string, action: GatewayPowerAction, force: boolean): Promise<OperationOutcome>;
  /** New console credentials, returned this once; only a hash is kept. */
  consoleUser(actor: Actor, id: string): Promise<ResourceOutcome>;
  supportBundle(actor: Actor, id: string, command: Static<typeof SupportBundleSchema>): Promise<OperationOutcome>;
  networkTest(actor: Actor, id: string, tool: NetworkTool, command: Static<typeof NetworkDebugSchema>): Promise<OperationOutcome>;
}

export const CONSOLE_USER = "console";

/** What each power action needs and does: the gateway state it requires, its busy state, the VM operation. */
const POWER = {
  "power-on": { from: "PSG_STATE_OK_OFF", busy: "PSG_STATE_VM_POWERING_ON", verb: "Power on" },
  "restart-guest-os": { from: "PSG_STATE_OK", busy: "PSG_STATE_VM_RESTARTING", verb: "Restart guest OS of" },
  "shutdown-guest-os": { from: "PSG_STATE_OK", busy: "PSG_STATE_VM_SHUTTING_DOWN", verb: "Shut down guest OS of" },
} as const;

export function gatewayActionUseCases(ctx: GatewayContext): GatewayActionUseCases {
  const deployed = async (actor: Actor, id: string) => {
    const g = await requireGateway(ctx, actor.workspaceId, id);
    ensureDeployed(g);
    return g;
  };

  /** Addresses of the gateway's lab (hosts and VMs of its manager), by address -> what it is. */
  const labAddresses = async (g: GatewayDoc): Promise<Map<string, string>> => {
    const { managerId } = await gatewayPlacement(ctx, g);
    const out = new Map<string, string>();
    type Addressed = StoredDocument & { name: string; networkAddress?: string };
    for (const h of await ctx.inventory.store.listForManager<Addressed>("hypervisor-host", g.customerId, managerId)) if (h.networkAddress) out.set(h.networkAddress, `host ${h.name}`);
    for (const v of await ctx.inventory.store.listForManager<Addressed>("virtual-machine", g.customerId, managerId)) if (v.networkAddress) out.set(v.networkAddress, `VM ${v.name}`);
    for (const n of g.network.nics) if (n.networkAddress) out.set(n.networkAddress, `the gateway's own interface ${n.networkIndex}`);
    return out;
  };

  return {
    async createNic(actor, id, { nic }) {
      const g = await deployed(actor, id);
      return startConfigChange(ctx, actor, g, "Add a network interface", { kind: "createNic", nic: { id: randomUUID(), networkType: "DHCP", ...nic } });
    },

    async updateNic(actor, id, { nic }) {
      const g = await deployed(actor, id);
      return startConfigChange(ctx, actor, g, "Change a network interface", { kind: "updateNic", nic });
    },

    async deleteNic(actor, id, { nic }) {
      const g = await deployed(actor, id);
      return startConfigChange(ctx, actor, g, "Remove a network interface", { kind: "deleteNic", id: nic.id });
    },

    async setRemoteSupport(actor, id, { enabled }) {
      const g = await requireGateway(ctx, actor.workspaceId, id);
      return startConfigChange(ctx, actor, g, enabled ? "Enable remote support" : "Disable remote support", {
        kind: "remoteSupport",
        enabled,
        ...(enabled ? { stationId: `RS-${randomBytes(6).toString("hex").toUpperCase()}` } : {}),
      });
    },

    async power(actor, id, action, force) {
      const g = await deployed(actor, id);
      const { from, busy, verb } = POWER[action];
      if (g.state !== from) throw AppError.conflict(`cannot ${verb.toLowerCase()} protection store gateway '${g.name}': it is ${g.state}`);
      const operation = action === "power-on" ? "powerOn" : action === "restart-guest-os" ? "restartGuest" : force ? "powerOff" : "shutdownGuest";
      return startGatewayOperation(
        ctx,
        actor,
        id,
        (doc) => setGatewayState(doc, busy),
        (doc) => ({ name: `${verb} protection store gateway ${doc.name}`, jobType: JOB_GATEWAY_POWER, payload: { gatewayId: id, operation, returnTo: from } }),
      );
    },

    async consoleUser(actor, id) {
      const g = await requireGateway(ctx, actor.workspaceId, id);
      if (g.state === "PSG_STATE_DELETING") throw AppError.conflict(`protection store gateway '${g.name}' is being deleted`);
      const password = randomBytes(18).toString("base64url");
      await ctx.secrets.put(actor.workspaceId, id, "console-user", `${CONSOLE_USER}:${await hashSecret(password)}`);
      return { resource: { username: CONSOLE_USER, password } };
    },

    async supportBundle(actor, id, body) {
      const g = await requireGateway(ctx, actor.workspaceId, id);
      // Collecting reads the gateway and changes nothing: no busy state.
      return startOperation(ctx.inventory, actor, {
        name: `Collect a support bundle of protection store gateway ${g.name}`,
        jobType: JOB_GATEWAY_SUPPORT_BUNDLE,
        payload: { gatewayId: g.id, slim: body.slim ?? false, description: body.description ?? "" },
        resource: gatewayResource(g),
      });
    },

    async networkTest(actor, id, tool, { address }) {
      const g = await deployed(actor, id);
      if (g.state !== "PSG_STATE_OK") throw AppError.conflict(`protection store gateway '${g.name}' must be running to run ${tool} (it is ${g.state})`);
      const target = probeTarget(address, await labAddresses(g));
      return startOperation(ctx.inventory, actor, {
        name: `${tool === "ping" ? "Ping" : "Traceroute"} ${address} from protection store gateway ${g.name}`,
        jobType: JOB_GATEWAY_NETWORK_TEST,
        payload: { gatewayId: id, tool, target },
        resource: gatewayResource(g),
      });
    },
  };
}
