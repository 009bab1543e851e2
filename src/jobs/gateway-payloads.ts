// Payload schemas of the protection store gateway jobs: what each start call queues, checked
// when a worker claims the job.
import { Type } from "typebox";
import { GATEWAY_STATES, GatewayChangeSchema } from "../domain/schemas/protection-store-gateway-schemas.ts";
import { VmCreatePayload } from "./inventory-payloads.ts";

const Id = Type.String({ minLength: 1 });
const State = Type.Union(GATEWAY_STATES.map((s) => Type.Literal(s)));
const Sizes = Type.Object({
  maxOnPremDailyProtectedDataInTiB: Type.Optional(Type.Number()),
  maxOnPremRetentionDays: Type.Optional(Type.Number()),
  maxInCloudDailyProtectedDataInTiB: Type.Optional(Type.Number()),
  maxInCloudRetentionDays: Type.Optional(Type.Number()),
});

export const GatewayPayload = Type.Object({ gatewayId: Id });

export const GatewayDeployPayload = Type.Object({
  gatewayId: Id,
  managerId: Id,
  spec: VmCreatePayload.properties.spec,
  /** Recover: the VM to remove first (null: it is gone already). */
  oldVmId: Type.Optional(Type.Union([Id, Type.Null()])),
});

export const GatewayConfigurePayload = Type.Object({ gatewayId: Id, change: GatewayChangeSchema, returnTo: State });

export const GatewayPowerPayload = Type.Object({
  gatewayId: Id,
  operation: Type.Union([Type.Literal("powerOn"), Type.Literal("powerOff"), Type.Literal("shutdownGuest"), Type.Literal("restartGuest")]),
  returnTo: State,
});

export const GatewayResizePayload = Type.Object({
  gatewayId: Id,
  size: Sizes,
  override: Type.Optional(Type.Object({ cpu: Type.Optional(Type.Number()), ramInGiB: Type.Optional(Type.Number()), storageInTiB: Type.Optional(Type.Number()) })),
  result: Type.Object({ vCpu: Type.Number(), ramInGiB: Type.Number(), storageInTiB: Type.Number(), iops: Type.Number() }),
  datastoresInfo: Type.Array(Type.Object({ id: Id, resourceUri: Type.String(), type: Type.String(), totalProvisionedDiskInTiB: Type.Number() })),
  returnTo: State,
});

export const GatewaySupportBundlePayload = Type.Object({ gatewayId: Id, slim: Type.Boolean(), description: Type.String() });

export const GatewayNetworkTestPayload = Type.Object({
  gatewayId: Id,
  tool: Type.Union([Type.Literal("ping"), Type.Literal("traceroute")]),
  target: Type.Object({ address: Type.String(), host: Type.String(), port: Type.Integer({ minimum: 1, maximum: 65535 }), why: Type.String() }),
});
