// /backup-recovery/v1beta1/data-orchestrators: the embedded orchestrator of every workspace and
// the `obr orchestrator` processes paired with it (see services/infrastructure).
import { DATA_ORCHESTRATORS_PATH } from "../../domain/inventory-paths.ts";
import {
  DataOrchestratorCreateSchema,
  DataOrchestratorDeleteQuery,
  DataOrchestratorPowerSchema,
  DataOrchestratorRecoverSchema,
  DataOrchestratorRemoteSupportSchema,
  DataOrchestratorSchema,
  DataOrchestratorUpdateSchema,
  SupportBundleCreateSchema,
  TotpResponseSchema,
} from "../../domain/schemas/data-orchestrator-schemas.ts";
import type { DataOrchestratorUseCases } from "../../services/infrastructure/data-orchestrator-use-cases.ts";
import type { CollectionDefinition } from "../resource/collection-definition.ts";
import { operation, operationWithBody, operationWithQuery } from "../resource/operation.ts";
import { type CollectionHandlers, handleCollection, handleItem } from "../resource/operation-handlers.ts";

export const dataOrchestrators = {
  name: "data-orchestrators",
  path: DATA_ORCHESTRATORS_PATH,
  idParam: "id",
  tag: "data-orchestrators",
  schema: DataOrchestratorSchema,
  table: "data_orchestrators",
  promoted: { name: "name", connection_state: "connectionState", deployment: "deployment" },
  list: {
    operationId: "DataOrchestratorList",
    summary: "List Data Orchestrators",
    envelope: "standard",
    limitDefault: 100,
    limitMax: 1000,
    filterable: ["id", "name", "interfaces/network/hostname", "serialNumber", "status", "state", "connectionState", "softwareVersion", "displayName", "deployment"],
    errors: [400, 401, 403, 404, 500, 503],
  },
  get: { operationId: "DataOrchestratorListById", summary: "Get one Data Orchestrator by id", errors: [400, 401, 403, 404, 500, 503] },
  create: operationWithBody(
    { operationId: "DataOrchestratorCreate", summary: "Register a Data Orchestrator using its activation code", status: 201, errors: [400, 401, 403, 412, 500, 503] },
    DataOrchestratorCreateSchema,
  ),
  update: operationWithBody(
    // compat: 404 and 409 (another update under way) are answered though the contract lists neither.
    { operationId: "DataOrchestratorModify", summary: "Update fields of a Data Orchestrator (merge patch)", status: 202, errors: [400, 401, 403, 404, 409, 412, 500, 503] },
    DataOrchestratorUpdateSchema,
  ),
  remove: operationWithQuery(
    // compat: 409 for the embedded orchestrator, which exists as long as the server does (the
    // contract's 405 is kept for a wrong method).
    { operationId: "DataOrchestratorDelete", summary: "Unregister a Data Orchestrator (synchronous, 204)", status: 204, errors: [400, 401, 403, 404, 405, 409, 500, 503] },
    DataOrchestratorDeleteQuery,
  ),
  actions: {
    "generate-support-bundle": operationWithBody(
      { operationId: "SupportBundleCreate", summary: "Start support bundle collection on a Data Orchestrator", status: 202, errors: [400, 401, 403, 404, 409, 412, 500, 503] },
      SupportBundleCreateSchema,
    ),
    "generate-totp": operation({
      operationId: "OTPCreate",
      summary: "Issue one-time passcode for local Data Orchestrator access",
      status: 200,
      response: TotpResponseSchema,
      errors: [400, 401, 403, 404, 412, 500, 503],
    }),
    recover: operationWithBody(
      { operationId: "DataOrchestratorRecover", summary: "Recover a Data Orchestrator using an activation id", status: 202, errors: [400, 401, 403, 404, 409, 500, 503] },
      DataOrchestratorRecoverSchema,
    ),
    "restart-guest-os": operationWithBody(
      { operationId: "DataOrchestratorReboot", summary: "Reboot a Data Orchestrator", status: 202, errors: [400, 401, 403, 404, 409, 500, 503] },
      DataOrchestratorPowerSchema,
    ),
    "set-remote-support": operationWithBody(
      { operationId: "DataOrchestratorInfosightConfigModify", summary: "Change InfoSight/remote support settings of a Data Orchestrator", status: 202, errors: [400, 401, 403, 404, 412, 500, 503] },
      DataOrchestratorRemoteSupportSchema,
    ),
    "shutdown-guest-os": operationWithBody(
      { operationId: "DataOrchestratorShutdown", summary: "Power off a Data Orchestrator for hypervisor maintenance", status: 202, errors: [400, 401, 403, 404, 409, 500, 503] },
      DataOrchestratorPowerSchema,
    ),
  },
} satisfies CollectionDefinition;

export function dataOrchestratorHandlers(orchestrators: DataOrchestratorUseCases): CollectionHandlers {
  const def = dataOrchestrators;
  const a = def.actions;
  return {
    create: handleCollection(def.create, ({ actor, body }) => orchestrators.pair(actor, body)),
    update: handleItem(def.update, ({ actor, id, body, ifMatch }) => orchestrators.update(actor, id, body, ifMatch)),
    remove: handleItem(def.remove, ({ actor, id, ifMatch }) => orchestrators.unregister(actor, id, ifMatch)),
    actions: {
      "generate-support-bundle": handleItem(a["generate-support-bundle"], ({ actor, id, body }) => orchestrators.generateSupportBundle(actor, id, body)),
      "generate-totp": handleItem(a["generate-totp"], ({ actor, id }) => orchestrators.generateTotp(actor, id)),
      recover: handleItem(a.recover, ({ actor, id, body }) => orchestrators.recover(actor, id, body)),
      "restart-guest-os": handleItem(a["restart-guest-os"], ({ actor, id, body }) => orchestrators.restart(actor, id, body)),
      "set-remote-support": handleItem(a["set-remote-support"], ({ actor, id, body }) => orchestrators.setRemoteSupport(actor, id, body)),
      "shutdown-guest-os": handleItem(a["shutdown-guest-os"], ({ actor, id, body }) => orchestrators.shutdown(actor, id, body)),
    },
  };
}
