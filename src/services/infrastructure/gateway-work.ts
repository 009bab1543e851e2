// What the gateway jobs do. Each ends by writing the gateway's new state in the same transaction
// as the operation's completion (`commit`), so a crash never leaves a finished operation with a
// gateway still busy, nor a busy gateway whose work is lost.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { isConnectorError } from "../ports/connector-error.ts";
import type { CreateVmSpec, PowerOperation } from "../ports/hypervisor-connector.ts";
import { AppError } from "../../domain/app-error.ts";
import type { SizeInput, SizeOverride, SizeResult } from "../../domain/gateway-sizer.ts";
import type { GatewayState } from "../../domain/schemas/protection-store-gateway-schemas.ts";
import type { UnitOfWork } from "../async-operations.ts";
import { type GatewayContext, STORES_DIR, gatewayPlacement, managerPlacement, requireGateway } from "./gateway-context.ts";
import { type GatewayChange, type GatewayDoc, applyGatewayChange, gatewayResource, setGatewayState } from "./gateway-document.ts";
import { directoryBytes, filesystemSpace } from "../../platform/disk-usage.ts";
import type { NetworkTool } from "./gateway-actions.ts";
import type { ProbeTarget } from "./network-tests.ts";
import { writeSupportBundle } from "./support-bundle.ts";

const PROBE_TIMEOUT_MS = 2000;

export interface JobEnd {
  associatedResources: ReturnType<typeof gatewayResource>[];
  commit?: (uow: UnitOfWork) => Promise<void>;
}

const change = (ctx: GatewayContext, g: GatewayDoc, mutate: (doc: GatewayDoc) => GatewayDoc): JobEnd => ({
  associatedResources: [gatewayResource(g)],
  commit: async (uow) => {
    await ctx.gateways.update<GatewayDoc>(g.customerId, g.id, undefined, mutate, uow);
  },
});

/** Puts the gateway into `state` with a reason: what a failed or abandoned job leaves behind. */
export async function settleGateway(ctx: GatewayContext, customerId: string, id: string, state: GatewayState, reason: string, uow?: UnitOfWork): Promise<void> {
  await ctx.gateways.update<GatewayDoc>(customerId, id, undefined, (g) => setGatewayState(g, state, reason), uow).catch((err: unknown) => {
    if (!(err instanceof AppError && err.httpStatusCode === 404)) throw err;
  });
}

/** Creates the gateway's VM (powered on) and the directory its stores will live in. */
export async function deployGateway(ctx: GatewayContext, customerId: string, id: string, managerId: string, spec: CreateVmSpec, replaceVmId?: string | null): Promise<JobEnd> {
  const g = await requireGateway(ctx, customerId, id);
  const { connector } = await managerPlacement(ctx, customerId, managerId);
  if (replaceVmId) await removeVm(connector, replaceVmId);
  const vm = await connector.createVm(spec);
  await mkdir(join(await connector.vmDirectory(vm.id), STORES_DIR), { recursive: true });
  return change(ctx, g, (doc) => {
    doc.vmId = vm.id;
    doc.network.hostname = vm.guest.hostname ?? doc.network.hostname;
    return setGatewayState(doc, "PSG_STATE_OK");
  });
}

async function removeVm(connector: Awaited<ReturnType<typeof managerPlacement>>["connector"], vmId: string): Promise<void> {
  try {
    const vm = await connector.getVm(vmId);
    if (vm.powerState !== "poweredOff") await connector.powerVm(vmId, "powerOff");
    await connector.deleteVm(vmId);
  } catch (err) {
    if (!isConnectorError(err, "not-found")) throw err;
  }
}

/** Removes the VM (if still there) and the gateway's record and secrets. Safe to run again. */
export async function deleteGateway(ctx: GatewayContext, customerId: string, id: string): Promise<JobEnd> {
  const g = await requireGateway(ctx, customerId, id);
  // A store created after the request was accepted still stops the delete.
  const refuseStores = async (uow?: UnitOfWork) => {
    const stores = await ctx.stores.count(customerId, id, uow);
    if (stores > 0) throw AppError.conflict(`protection store gateway '${g.name}' holds ${stores} protection store(s); delete them first`);
  };
  await refuseStores();
  if (g.vmId !== undefined) {
    const placement = await gatewayPlacement(ctx, g).catch(() => undefined);
    if (placement) await removeVm(placement.connector, g.vmId);
  }
  return {
    associatedResources: [gatewayResource(g)],
    commit: async (uow) => {
      // Counted again in the delete's transaction: so is one created while the VM was removed.
      await ctx.gateways.delete(customerId, id, undefined, (_doc, trx) => refuseStores(trx), uow);
      await ctx.secrets.removeAll(customerId, id, uow);
    },
  };
}

export async function configureGateway(ctx: GatewayContext, customerId: string, id: string, update: GatewayChange, returnTo: GatewayState): Promise<JobEnd> {
  const g = await requireGateway(ctx, customerId, id);
  return change(ctx, g, (doc) => setGatewayState(applyGatewayChange(doc, update), returnTo));
}

export async function powerGateway(ctx: GatewayContext, customerId: string, id: string, operation: PowerOperation): Promise<JobEnd> {
  const g = await requireGateway(ctx, customerId, id);
  if (g.vmId === undefined) throw AppError.conflict(`protection store gateway '${g.name}' has no deployed VM`);
  const { connector } = await gatewayPlacement(ctx, g);
  const vm = await connector.powerVm(g.vmId, operation);
  return change(ctx, g, (doc) => setGatewayState(doc, vm.powerState === "poweredOn" ? "PSG_STATE_OK" : "PSG_STATE_OK_OFF"));
}

export interface ResizePlan {
  size: SizeInput;
  override?: SizeOverride | undefined;
  result: SizeResult;
  datastoresInfo: GatewayDoc["datastoresInfo"];
  returnTo: GatewayState;
}

/** New CPU and memory for the VM (shut down for the change and started again if it ran), new sizing. */
export async function resizeGateway(ctx: GatewayContext, customerId: string, id: string, plan: ResizePlan): Promise<JobEnd> {
  const g = await requireGateway(ctx, customerId, id);
  if (g.vmId === undefined) throw AppError.conflict(`protection store gateway '${g.name}' has no deployed VM`);
  const { connector } = await gatewayPlacement(ctx, g);
  const running = (await connector.getVm(g.vmId)).powerState === "poweredOn";
  if (running) await connector.powerVm(g.vmId, "shutdownGuest");
  await connector.reconfigureVm(g.vmId, { numCpus: Math.ceil(plan.result.vCpu), coresPerSocket: 1, memoryMib: Math.ceil(plan.result.ramInGiB * 1024) });
  if (running) await connector.powerVm(g.vmId, "powerOn");
  return change(ctx, g, (doc) => {
    doc.size = plan.size;
    if (plan.override) doc.override = plan.override;
    doc.datastoresInfo = plan.datastoresInfo;
    return setGatewayState(doc, plan.returnTo);
  });
}

/** A tar.gz of the gateway's configuration (no secrets: none are in the document), its VM and its stores' usage. */
export async function collectSupportBundle(ctx: GatewayContext, customerId: string, id: string, slim: boolean, description: string, log: (m: string) => Promise<void>): Promise<JobEnd> {
  const g = await requireGateway(ctx, customerId, id);
  const files = [
    { name: "README.txt", content: `Support bundle of protection store gateway ${g.name} (${g.id}), ${new Date().toISOString()}\n${description}\n` },
    { name: "gateway.json", content: `${JSON.stringify(g, null, 2)}\n` },
  ];
  if (!slim && g.vmId !== undefined) {
    const { connector } = await gatewayPlacement(ctx, g);
    const vmDir = await connector.vmDirectory(g.vmId);
    const space = await filesystemSpace(vmDir);
    files.push({ name: "vm.json", content: `${JSON.stringify(await connector.getVm(g.vmId), null, 2)}\n` });
    files.push({ name: "storage.json", content: `${JSON.stringify({ storesBytes: await directoryBytes(join(vmDir, STORES_DIR)), filesystem: space }, null, 2)}\n` });
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const bundle = await writeSupportBundle(ctx.dataDir, `psg-${g.id}-${stamp}`, files);
  await log(`support bundle written: ${bundle.path} (${bundle.bytes} bytes, ${files.length} files)`);
  return { associatedResources: [gatewayResource(g)] };
}

/** Really probes the target; an unreachable target fails the operation with what happened. */
export async function runNetworkTest(ctx: GatewayContext, customerId: string, id: string, tool: NetworkTool, target: ProbeTarget, log: (m: string) => Promise<void>): Promise<JobEnd> {
  const g = await requireGateway(ctx, customerId, id);
  const result = await ctx.probe.probe(target.host, target.port, PROBE_TIMEOUT_MS);
  const via = ` (probed ${target.host}:${target.port}: ${target.why})`;
  if (!result.reachable) throw AppError.badRequest(`${tool} ${target.address}: unreachable${via}: ${result.detail}`);
  await log(
    tool === "ping"
      ? `ping ${target.address}${via}: reachable, ${result.roundTripMs} ms: ${result.detail}`
      : `traceroute ${target.address}${via}: 1 hop: ${target.host} ${result.roundTripMs} ms: ${result.detail}`,
  );
  return { associatedResources: [gatewayResource(g)] };
}
