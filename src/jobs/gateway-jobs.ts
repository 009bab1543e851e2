// Job types of protection store gateways. Each delegates to gateway-work.ts; a failed or
// abandoned run leaves the gateway in a state that says so (never stuck in a busy state).
import type { GatewayContext } from "../services/infrastructure/gateway-context.ts";
import { JOB_GATEWAY_NETWORK_TEST, JOB_GATEWAY_POWER, JOB_GATEWAY_SUPPORT_BUNDLE } from "../services/infrastructure/gateway-actions.ts";
import {
  collectSupportBundle,
  configureGateway,
  deleteGateway,
  deployGateway,
  powerGateway,
  resizeGateway,
  runNetworkTest,
  settleGateway,
} from "../services/infrastructure/gateway-work.ts";
import {
  JOB_GATEWAY_CONFIGURE,
  JOB_GATEWAY_DELETE,
  JOB_GATEWAY_DEPLOY,
  JOB_GATEWAY_RECOVER,
  JOB_GATEWAY_RESIZE,
} from "../services/infrastructure/protection-store-gateways.ts";
import {
  GatewayConfigurePayload,
  GatewayDeployPayload,
  GatewayNetworkTestPayload,
  GatewayPayload,
  GatewayPowerPayload,
  GatewayResizePayload,
  GatewaySupportBundlePayload,
} from "./gateway-payloads.ts";
import { type JobHandler, type UndoContext, defineJob } from "./job-handler.ts";

export function gatewayJobs(ctx: GatewayContext): JobHandler[] {
  const settle =
    (state: "PSG_STATE_DEPLOYED_ERROR" | "PSG_STATE_ERROR") =>
    ({ customerId, payload, reason, uow }: UndoContext<{ gatewayId: string }>) =>
      settleGateway(ctx, customerId, payload.gatewayId, state, reason, uow);
  const back = ({ customerId, payload, reason, uow }: UndoContext<{ gatewayId: string; returnTo: Parameters<typeof settleGateway>[3] }>) =>
    settleGateway(ctx, customerId, payload.gatewayId, payload.returnTo, reason, uow);
  // Deploy and recover create a VM; not resumable: a second run would find the VM's name taken.
  const deploy = (type: string) =>
    defineJob({
      type,
      payload: GatewayDeployPayload,
      resumable: false,
      run: ({ customerId, payload }) => deployGateway(ctx, customerId, payload.gatewayId, payload.managerId, payload.spec, payload.oldVmId),
      onFailure: settle("PSG_STATE_DEPLOYED_ERROR"),
      onAbandon: settle("PSG_STATE_DEPLOYED_ERROR"),
    });
  return [
    deploy(JOB_GATEWAY_DEPLOY),
    deploy(JOB_GATEWAY_RECOVER),
    defineJob({
      type: JOB_GATEWAY_DELETE,
      payload: GatewayPayload,
      resumable: true,
      run: ({ customerId, payload }) => deleteGateway(ctx, customerId, payload.gatewayId),
      onFailure: settle("PSG_STATE_ERROR"),
      onAbandon: settle("PSG_STATE_ERROR"),
    }),
    defineJob({
      type: JOB_GATEWAY_CONFIGURE,
      payload: GatewayConfigurePayload,
      resumable: true,
      run: ({ customerId, payload }) => configureGateway(ctx, customerId, payload.gatewayId, payload.change, payload.returnTo),
      onFailure: back,
      onAbandon: back,
    }),
    defineJob({
      // Not resumable: repeating a power operation after a crash would be refused or act twice.
      type: JOB_GATEWAY_POWER,
      payload: GatewayPowerPayload,
      resumable: false,
      run: ({ customerId, payload }) => powerGateway(ctx, customerId, payload.gatewayId, payload.operation),
      onFailure: back,
      onAbandon: back,
    }),
    defineJob({
      type: JOB_GATEWAY_RESIZE,
      payload: GatewayResizePayload,
      resumable: false,
      run: ({ customerId, payload }) => resizeGateway(ctx, customerId, payload.gatewayId, payload),
      onFailure: back,
      onAbandon: back,
    }),
    defineJob({
      type: JOB_GATEWAY_SUPPORT_BUNDLE,
      payload: GatewaySupportBundlePayload,
      resumable: true,
      run: ({ customerId, payload, log }) => collectSupportBundle(ctx, customerId, payload.gatewayId, payload.slim, payload.description, log),
    }),
    defineJob({
      type: JOB_GATEWAY_NETWORK_TEST,
      payload: GatewayNetworkTestPayload,
      resumable: true,
      run: ({ customerId, payload, log }) => runNetworkTest(ctx, customerId, payload.gatewayId, payload.tool, payload.target, log),
    }),
  ];
}
