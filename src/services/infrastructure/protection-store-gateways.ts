// Protection store gateways: deploy (a lab VM in the named hypervisor manager), patch, delete,
// recover and resize, and the two sizers. Everything checkable is checked before the operation
// is queued (400/404/409, nothing changed); the work runs as jobs (gateway-work.ts).
import { createHash, randomUUID } from "node:crypto";
import type { Static } from "typebox";
import { isConnectorError } from "../ports/connector-error.ts";
import { nowIso } from "../../domain/clock.ts";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/app-error.ts";
import { sizeGateway } from "../../domain/gateway-sizer.ts";
import type { OperationOutcome, ResourceOutcome } from "../../domain/outcome.ts";
import type { GatewayPatchSchema, ResizeRequestSchema, SizeRequestSchema } from "../../domain/schemas/protection-store-gateway-schemas.ts";
import type { UnitOfWork } from "../async-operations.ts";
import { startBusyOperation } from "../inventory/inventory-context.ts";
import { type GatewayContext, gatewayPlacement, managerPlacement, requireGateway, startGatewayOperation } from "./gateway-context.ts";
import { type GatewayPostCommand, gatewayDatastores, planDeployment } from "./gateway-deployment.ts";
import { GATEWAYS_PATH, GATEWAY_TYPE, type GatewayChange, type GatewayDoc, applyGatewayChange, gatewayResource, setGatewayState } from "./gateway-document.ts";

export const JOB_GATEWAY_DEPLOY = "protection-store-gateway.deploy";
export const JOB_GATEWAY_DELETE = "protection-store-gateway.delete";
export const JOB_GATEWAY_CONFIGURE = "protection-store-gateway.configure";
export const JOB_GATEWAY_RESIZE = "protection-store-gateway.resize";
export const JOB_GATEWAY_RECOVER = "protection-store-gateway.recover";

export type GatewayPatchCommand = Static<typeof GatewayPatchSchema>;
export type SizeCommand = Static<typeof SizeRequestSchema>;
export type ResizeCommand = Static<typeof ResizeRequestSchema>;

export interface GatewayLifecycleUseCases {
  create(actor: Actor, command: GatewayPostCommand): Promise<OperationOutcome>;
  update(actor: Actor, id: string, patch: GatewayPatchCommand): Promise<OperationOutcome>;
  /** Refused (409) while protection stores live on the gateway, `force` or not. */
  remove(actor: Actor, id: string): Promise<OperationOutcome>;
  /** Redeploys a gateway whose VM is gone (or, with `force`, one whose VM is still there and holds no stores). */
  recover(actor: Actor, id: string, command: GatewayPostCommand, force: boolean): Promise<OperationOutcome>;
  resize(actor: Actor, id: string, command: ResizeCommand): Promise<OperationOutcome>;
  size(command: SizeCommand): ResourceOutcome;
  sizeFor(actor: Actor, id: string, command: SizeCommand): Promise<ResourceOutcome>;
}

/** A serial number of the PSG form, derived from the id (stable, unique with it). */
const serialOf = (id: string) => `PSG${createHash("sha256").update(id).digest("hex").slice(0, 10).toUpperCase()}`;

/** Runs a configuration change: checked now against the current configuration, applied by the job. */
export function startConfigChange(ctx: GatewayContext, actor: Actor, g: GatewayDoc, name: string, change: GatewayChange, extra?: (g: GatewayDoc, uow: UnitOfWork) => Promise<void>) {
  applyGatewayChange(structuredClone(g), change);
  const returnTo = g.state;
  return startGatewayOperation(
    ctx,
    actor,
    g.id,
    (doc) => setGatewayState(doc, change.kind === "createNic" ? "PSG_STATE_VM_CREATING_NIC" : "PSG_STATE_UPDATING"),
    (doc) => ({ name: `${name} of protection store gateway ${doc.name}`, jobType: JOB_GATEWAY_CONFIGURE, payload: { gatewayId: doc.id, change, returnTo } }),
    extra,
  );
}

export function gatewayLifecycleUseCases(ctx: GatewayContext): GatewayLifecycleUseCases {
  const { gateways } = ctx;
  const ensureUniqueName = async (customerId: string, name: string) => {
    const clash = await gateways.findIdBy(customerId, "name", name);
    if (clash) throw AppError.badRequest(`name: a protection store gateway named '${name}' already exists (${clash})`);
  };

  return {
    async create(actor, body) {
      const customerId = actor.workspaceId;
      await managerPlacement(ctx, customerId, body.hypervisorManagerId);
      await ensureUniqueName(customerId, body.name);
      const plan = await planDeployment(ctx, customerId, body);
      const manager = await ctx.inventory.store.get<GatewayDoc & { dataOrchestratorInfo?: { id: string } }>("hypervisor-manager", customerId, plan.managerId);
      const id = randomUUID();
      const now = nowIso(gateways.clock);
      const nicId = randomUUID();
      const gateway: GatewayDoc = setGatewayState(
        {
          id,
          customerId,
          name: body.name,
          displayName: body.name,
          type: GATEWAY_TYPE,
          generation: 1,
          createdAt: now,
          updatedAt: now,
          resourceUri: `${GATEWAYS_PATH}/${id}`,
          consoleUri: `/backup-and-recovery/protection-store-gateways/${id}`,
          serialNumber: serialOf(id),
          softwareVersion: ctx.softwareVersion,
          state: "PSG_STATE_DEPLOYING",
          health: { state: "PSG_HEALTH_STATE_DEPLOYING", status: "PSG_HEALTH_STATUS_DISCONNECTED", updatedAt: now },
          dataOrchestratorId: manager?.dataOrchestratorInfo?.id ?? "",
          datastoresInfo: plan.datastoresInfo,
          network: { hostname: body.name.toLowerCase(), dns: body.vmConfig.network?.dns ?? [], ntp: [], nics: [{ id: nicId, networkIndex: 0, ...plan.nic }] },
          size: {
            maxOnPremDailyProtectedDataInTiB: body.vmConfig.maxOnPremDailyProtectedDataInTiB ?? 0,
            maxOnPremRetentionDays: body.vmConfig.maxOnPremRetentionDays ?? 0,
            maxInCloudDailyProtectedDataInTiB: body.vmConfig.maxInCloudDailyProtectedDataInTiB ?? 0,
            maxInCloudRetentionDays: body.vmConfig.maxInCloudRetentionDays ?? 0,
          },
          ...(body.vmConfig.override ? { override: body.vmConfig.override } : {}),
          remoteAccessEnabled: false,
        },
        "PSG_STATE_DEPLOYING",
      );
      return startBusyOperation(
        ctx.inventory,
        actor,
        (uow) => gateways.insert(gateway, {}, uow),
        () => ({ name: `Deploy protection store gateway ${body.name}`, jobType: JOB_GATEWAY_DEPLOY, payload: { gatewayId: id, managerId: plan.managerId, spec: plan.spec }, resource: gatewayResource(gateway) }),
      );
    },

    async update(actor, id, patch) {
      const g = await requireGateway(ctx, actor.workspaceId, id);
      const password = patch.proxy?.credentials?.password;
      const { credentials, ...proxy } = patch.proxy ?? {};
      const change: GatewayChange = {
        kind: "patch",
        ...(patch.dns ? { dns: patch.dns } : {}),
        ...(patch.ntp ? { ntp: patch.ntp } : {}),
        ...(patch.dateTime ? { dateTime: patch.dateTime } : {}),
        ...(patch.proxy === null ? { proxy: null } : patch.proxy ? { proxy: { ...proxy, ...(credentials?.username !== undefined ? { username: credentials.username } : {}) } } : {}),
      };
      // The proxy password never enters the document or the job payload: it is sealed here.
      const secret = async (doc: GatewayDoc, uow: UnitOfWork) => {
        if (password !== undefined) await ctx.secrets.put(doc.customerId, doc.id, "proxy-password", ctx.sealer.seal(password), uow);
      };
      return startConfigChange(ctx, actor, g, "Update", change, secret);
    },

    async remove(actor, id) {
      const g = await requireGateway(ctx, actor.workspaceId, id);
      const stores = await ctx.stores.count(actor.workspaceId, id);
      if (stores > 0) throw AppError.conflict(`protection store gateway '${g.name}' holds ${stores} protection store(s); delete them first`);
      return startGatewayOperation(
        ctx,
        actor,
        id,
        (doc) => setGatewayState(doc, "PSG_STATE_DELETING"),
        (doc) => ({ name: `Delete protection store gateway ${doc.name}`, jobType: JOB_GATEWAY_DELETE, payload: { gatewayId: id } }),
      );
    },

    async recover(actor, id, body, force) {
      const g = await requireGateway(ctx, actor.workspaceId, id);
      if (body.name !== g.name) throw AppError.badRequest(`name: a recovered gateway keeps its name '${g.name}'`);
      const vmPresent = g.vmId !== undefined && (await vmExists(ctx, g));
      if (vmPresent && !force) throw AppError.conflict(`the VM of protection store gateway '${g.name}' is present; nothing to recover (force redeploys it)`);
      const stores = await ctx.stores.count(actor.workspaceId, id);
      if (vmPresent && stores > 0) throw AppError.conflict(`protection store gateway '${g.name}' holds ${stores} protection store(s) on its VM; redeploying would destroy them`);
      const plan = await planDeployment(ctx, actor.workspaceId, body, g.vmId);
      return startGatewayOperation(
        ctx,
        actor,
        id,
        (doc) => {
          doc.datastoresInfo = plan.datastoresInfo;
          return setGatewayState(doc, "PSG_STATE_DEPLOYING");
        },
        (doc) => ({ name: `Recover protection store gateway ${doc.name}`, jobType: JOB_GATEWAY_RECOVER, payload: { gatewayId: id, managerId: plan.managerId, spec: plan.spec, oldVmId: vmPresent ? g.vmId : null } }),
      );
    },

    async resize(actor, id, body) {
      const g = await requireGateway(ctx, actor.workspaceId, id);
      const { datastoreIds, override, ...request } = body;
      const size = { ...g.size, ...request };
      const result = sizeGateway(size, override ?? g.override);
      const kept = g.datastoresInfo.map((d) => d.id);
      const missing = kept.filter((d) => datastoreIds !== undefined && !datastoreIds.includes(d));
      if (missing.length > 0) throw AppError.badRequest(`datastoreIds: the gateway's datastores ${missing.join(", ")} must stay (name them too)`);
      const { managerId } = await gatewayPlacement(ctx, g);
      const datastoresInfo = await gatewayDatastores(ctx, actor.workspaceId, managerId, datastoreIds ?? kept, result.storageInTiB, "datastoreIds");
      return startGatewayOperation(
        ctx,
        actor,
        id,
        (doc) => setGatewayState(doc, "PSG_STATE_VM_UPDATING_RESOURCES"),
        (doc) => ({
          name: `Resize protection store gateway ${doc.name}`,
          jobType: JOB_GATEWAY_RESIZE,
          payload: { gatewayId: id, size, ...(override ? { override } : {}), result, datastoresInfo, returnTo: g.state },
        }),
      );
    },

    size: (body) => ({ resource: sizeGateway(body) }),

    async sizeFor(actor, id, body) {
      const g = await requireGateway(ctx, actor.workspaceId, id);
      return { resource: sizeGateway({ ...g.size, ...body }, g.override) };
    },
  };
}

async function vmExists(ctx: GatewayContext, g: GatewayDoc): Promise<boolean> {
  if (g.vmId === undefined) return false;
  try {
    const { connector } = await gatewayPlacement(ctx, g);
    await connector.getVm(g.vmId);
    return true;
  } catch (err) {
    if (isConnectorError(err, "not-found")) return false;
    throw err;
  }
}
