// /backup-recovery/v1beta1/protection-store-gateways: list (the `limit`-echoing envelope), get,
// deploy, patch, delete, the gateway actions and both sizers.
import {
  ConsoleCredentialsSchema,
  ForceQuery,
  GatewayPatchSchema,
  GatewayPostSchema,
  NetworkDebugSchema,
  NicCreateSchema,
  NicDeleteSchema,
  NicUpdateSchema,
  ProtectionStoreGatewaySchema,
  RemoteSupportSchema,
  ResizeRequestSchema,
  SizeRequestSchema,
  SizeResultsSchema,
  SupportBundleSchema,
} from "../../domain/schemas/protection-store-gateway-schemas.ts";
import type { GatewayPowerAction, NetworkTool } from "../../services/infrastructure/gateway-actions.ts";
import type { GatewayUseCases } from "../../services/infrastructure/gateway-use-cases.ts";
import type { CollectionDefinition, ErrorStatus } from "../resource/collection-definition.ts";
import { operation, operationWith, operationWithBody, operationWithQuery } from "../resource/operation.ts";
import { type CollectionHandlers, handleCollection, handleItem } from "../resource/operation-handlers.ts";

const BASE = "/backup-recovery/v1beta1";
// compat: 409 (the gateway is busy, or in a state the action does not apply to) on every action,
// though the contract lists it for the sizers only; 412 is listed where the contract lists it.
const E = (...extra: ErrorStatus[]): ErrorStatus[] => [400, 401, 403, 404, 409, 500, ...extra];
const accepted = (operationId: string, summary: string, errors = E()) => ({ operationId, summary, status: 202 as const, errors });

export const protectionStoreGateways = {
  name: "protection-store-gateways",
  path: `${BASE}/protection-store-gateways`,
  idParam: "id",
  tag: "protection-store-gateways",
  schema: ProtectionStoreGatewaySchema,
  table: "protection_store_gateways",
  promoted: { name: "name", serial_number: "serialNumber" },
  list: {
    operationId: "ProtectionStoreGatewaysList",
    summary: "List protection store gateways",
    envelope: "psg",
    limitDefault: 10,
    limitMax: 2000,
    // The contract's three, and the ones real clients use (the HPE blog filters on serialNumber).
    filterable: ["state", "health/state", "health/status", "serialNumber", "name", "displayName", "id", "vmId", "dataOrchestratorId", "createdAt", "updatedAt"],
    errors: [400, 401, 403, 500, 503],
  },
  get: { operationId: "ProtectionStoreGatewayGetById", summary: "Get one protection store gateway by id", errors: [400, 401, 403, 404, 500, 503] },
  create: operationWithBody(accepted("ProtectionStoreGatewayCreate", "Deploy a new protection store gateway VM", [400, 401, 403, 412, 500]), GatewayPostSchema),
  update: operationWithBody(accepted("ProtectionStoreGatewayUpdate", "Update fields of a protection store gateway (merge patch)", E(412)), GatewayPatchSchema),
  remove: operationWithQuery(accepted("ProtectionStoreGatewayDelete", "Delete a protection store gateway", E(429, 503)), ForceQuery),
  actions: {
    consoleUser: operation({ operationId: "ProtectionStoreGatewayGetConsoleUser", summary: "Return console user credentials of a gateway", status: 200, response: ConsoleCredentialsSchema, errors: E(503) }),
    createNic: operationWithBody(accepted("ProtectionStoreGatewayNicCreate", "Add a network interface to a gateway", E(412)), NicCreateSchema),
    deleteNic: operationWithBody(accepted("ProtectionStoreGatewayNicDelete", "Remove a network interface from a gateway", E(412)), NicDeleteSchema),
    updateNic: operationWithBody(accepted("ProtectionStoreGatewayNicUpdate", "Change settings of a gateway network interface", E(412)), NicUpdateSchema),
    "generate-support-bundle": operationWithBody(accepted("ProtectionStoreGatewayGenerateSupportBundle", "Start support bundle collection on a gateway"), SupportBundleSchema),
    ping: operationWithBody(accepted("ProtectionStoreGatewayPing", "Run a ping test from a gateway", E(501)), NetworkDebugSchema),
    traceroute: operationWithBody(accepted("ProtectionStoreGatewayTraceroute", "Run a traceroute test from a gateway", E(501)), NetworkDebugSchema),
    "power-on": operation(accepted("ProtectionStoreGatewayPowerOn", "Power on a gateway VM")),
    "restart-guest-os": operation(accepted("ProtectionStoreGatewayRestartGuestOS", "Restart the guest OS of a gateway", E(501))),
    "shutdown-guest-os": operationWithQuery(accepted("ProtectionStoreGatewayShutdownGuestOS", "Shut down the guest OS of a gateway"), ForceQuery),
    recover: operationWith(accepted("ProtectionStoreGatewayRecover", "Recover (redeploy) a gateway from its configuration", E(412)), GatewayPostSchema, ForceQuery),
    resize: operationWithBody(accepted("ProtectionStoreGatewayStorage", "Change CPU, memory and storage of a gateway", E(412)), ResizeRequestSchema),
    "set-remote-support": operationWithBody(accepted("ProtectionStoreGatewaySetRemoteSupport", "Turn remote support on or off for a gateway", E(412)), RemoteSupportSchema),
    sizer: operationWithBody(
      { operationId: "ProtectionStoreGatewayPSGSize", summary: "Estimate resources for resizing an existing gateway", status: 200, response: SizeResultsSchema, errors: E() },
      SizeRequestSchema,
    ),
  },
  collectionActions: {
    sizer: operationWithBody(
      {
        operationId: "ProtectionStoreGatewaySize",
        summary: "Estimate resources needed for a new protection store gateway",
        status: 200,
        response: SizeResultsSchema,
        errors: [400, 401, 403, 409, 500],
        path: `${BASE}/protection-store-gateway-sizer`,
      },
      SizeRequestSchema,
    ),
  },
} satisfies CollectionDefinition;

export function protectionStoreGatewayHandlers(gateways: GatewayUseCases): CollectionHandlers {
  const def = protectionStoreGateways;
  const a = def.actions;
  const power = (name: Exclude<GatewayPowerAction, "shutdown-guest-os">) => handleItem(a[name], ({ actor, id }) => gateways.power(actor, id, name, false));
  const test = (tool: NetworkTool) => handleItem(a[tool], ({ actor, id, body }) => gateways.networkTest(actor, id, tool, body));
  return {
    create: handleCollection(def.create, ({ actor, body }) => gateways.create(actor, body)),
    update: handleItem(def.update, ({ actor, id, body }) => gateways.update(actor, id, body)),
    remove: handleItem(def.remove, ({ actor, id }) => gateways.remove(actor, id)),
    actions: {
      consoleUser: handleItem(a.consoleUser, ({ actor, id }) => gateways.consoleUser(actor, id)),
      createNic: handleItem(a.createNic, ({ actor, id, body }) => gateways.createNic(actor, id, body)),
      deleteNic: handleItem(a.deleteNic, ({ actor, id, body }) => gateways.deleteNic(actor, id, body)),
      updateNic: handleItem(a.updateNic, ({ actor, id, body }) => gateways.updateNic(actor, id, body)),
      "generate-support-bundle": handleItem(a["generate-support-bundle"], ({ actor, id, body }) => gateways.supportBundle(actor, id, body)),
      ping: test("ping"),
      traceroute: test("traceroute"),
      "power-on": power("power-on"),
      "restart-guest-os": power("restart-guest-os"),
      "shutdown-guest-os": handleItem(a["shutdown-guest-os"], ({ actor, id, query }) => gateways.power(actor, id, "shutdown-guest-os", query.force === true)),
      recover: handleItem(a.recover, ({ actor, id, body, query }) => gateways.recover(actor, id, body, query.force === true)),
      resize: handleItem(a.resize, ({ actor, id, body }) => gateways.resize(actor, id, body)),
      "set-remote-support": handleItem(a["set-remote-support"], ({ actor, id, body }) => gateways.setRemoteSupport(actor, id, body)),
      sizer: handleItem(a.sizer, ({ actor, id, body }) => gateways.sizeFor(actor, id, body)),
    },
    collectionActions: {
      sizer: handleCollection(def.collectionActions.sizer, async ({ body }) => gateways.size(body)),
    },
  };
}
