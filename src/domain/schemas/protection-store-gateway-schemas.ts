// ProtectionStoreGateway of backup-recovery/v1beta1 (as obr fills it) and the request bodies of
// its operations: create/recover, patch, resize, the sizers, NICs, network tests, remote support.
import { Type } from "typebox";
import { CommonResourceFields, Timestamp } from "./common-schemas.ts";
import { StringEnum } from "./inventory-schemas.ts";

const O = Type.Optional;
const S = () => Type.String();
/** Sizes and retention are amounts: finite and not negative. */
const Amount = () => Type.Number({ minimum: 0, maximum: 1_000_000 });

export const GATEWAY_STATES = [
  "PSG_STATE_QUERYING_CATALOGUE",
  "PSG_STATE_DEPLOYING",
  "PSG_STATE_DEPLOYED",
  "PSG_STATE_DEPLOYED_ERROR",
  "PSG_STATE_REGISTERING",
  "PSG_STATE_REGISTERED",
  "PSG_STATE_REGISTERED_ERROR",
  "PSG_STATE_OK",
  "PSG_STATE_DELETING",
  "PSG_STATE_ERROR",
  "PSG_STATE_POWERING_ON",
  "PSG_STATE_DELETING_STORES",
  "PSG_STATE_DELETING_UNREGISTERING",
  "PSG_STATE_DELETING_VM_SHUTTING_DOWN",
  "PSG_STATE_DELETING_VM_DELETING",
  "PSG_STATE_DEPLOYING_STORAGE",
  "PSG_STATE_UPDATING_STORAGE_MOD",
  "PSG_STATE_UPDATING_STORAGE_DEL",
  "PSG_STATE_UPDATING_STORAGE_ADD",
  "PSG_STATE_UPDATING",
  "PSG_STATE_VM_POWERING_ON",
  "PSG_STATE_VM_SHUTTING_DOWN",
  "PSG_STATE_VM_RESTARTING",
  "PSG_STATE_OK_OFF",
  "PSG_STATE_UNKNOWN",
  "PSG_STATE_VM_CREATING_NIC",
  "PSG_STATE_VM_UPDATING_RESOURCES",
  "PSG_STATE_CONFIGURING_RESOURCES",
  "PSG_STATE_REBOOTING_AFTER_RESTORE",
  "PSG_STATE_REBOOTED_AFTER_RESTORE",
] as const;
export type GatewayState = (typeof GATEWAY_STATES)[number];

export const GATEWAY_HEALTH_STATES = [
  "PSG_HEALTH_STATE_UNKNOWN",
  "PSG_HEALTH_STATE_OK",
  "PSG_HEALTH_STATE_OFF",
  "PSG_HEALTH_STATE_WARNING",
  "PSG_HEALTH_STATE_CRITICAL",
  "PSG_HEALTH_STATE_DEPLOYING",
  "PSG_HEALTH_STATE_REGISTERING",
  "PSG_HEALTH_STATE_INITIALIZING",
  "PSG_HEALTH_STATE_UPGRADING",
  "PSG_HEALTH_STATE_UPDATING",
  "PSG_HEALTH_STATE_ERROR",
  "PSG_HEALTH_STATE_DELETING",
] as const;
export type GatewayHealthState = (typeof GATEWAY_HEALTH_STATES)[number];

const NetworkType = StringEnum(["DHCP", "STATIC"]);
const Ipv4 = () => Type.String({ format: "ipv4" });
const Address = Type.Object({ networkAddress: O(Type.String({ maxLength: 255 })) });

export const NicSchema = Type.Object({
  id: O(Type.String({ format: "uuid" })),
  networkIndex: O(Type.Integer()),
  networkName: O(S()),
  networkType: O(NetworkType),
  networkAddress: O(Ipv4()),
  subnetMask: O(Ipv4()),
  gateway: O(S()),
});

const SizeFields = {
  maxInCloudDailyProtectedDataInTiB: O(Amount()),
  maxInCloudRetentionDays: O(Amount()),
  maxOnPremDailyProtectedDataInTiB: O(Amount()),
  maxOnPremRetentionDays: O(Amount()),
};

const Override = Type.Object({ cpu: O(Type.Number({ minimum: 1, maximum: 128 })), ramInGiB: O(Type.Number({ minimum: 1, maximum: 1024 })), storageInTiB: O(Type.Number({ minimum: 0.001, maximum: 1024 })) });

const ProxyCredentials = Type.Object({ username: O(Type.String({ maxLength: 255 })), password: O(Type.String({ maxLength: 1024 })) });
const ProxySettings = Type.Object({ networkAddress: O(Type.String({ maxLength: 255 })), port: O(Type.Integer({ minimum: 1, maximum: 65535 })), credentials: O(ProxyCredentials) });

export const ProtectionStoreGatewaySchema = Type.Object(
  {
    ...CommonResourceFields,
    consoleUri: O(S()),
    dataOrchestratorId: O(S()),
    datastoresInfo: O(Type.Array(Type.Object({ id: O(Type.String({ format: "uuid" })), resourceUri: O(S()), totalProvisionedDiskInTiB: O(Type.Number()), type: O(S()) }))),
    displayName: O(S()),
    health: O(Type.Object({ state: O(StringEnum([...GATEWAY_HEALTH_STATES])), stateReason: O(S()), status: O(StringEnum(["PSG_HEALTH_STATUS_CONNECTED", "PSG_HEALTH_STATUS_DISCONNECTED"])), updatedAt: O(Timestamp) })),
    network: O(
      Type.Object({
        dns: O(Type.Array(Address)),
        hostname: O(S()),
        nics: O(Type.Array(NicSchema)),
        ntp: O(Type.Array(Address)),
        proxy: O(ProxySettings),
      }),
    ),
    override: O(Override),
    remoteAccessEnabled: O(Type.Boolean()),
    remoteAccessStationId: O(S()),
    serialNumber: O(S()),
    size: O(Type.Object(SizeFields)),
    softwareVersion: O(S()),
    state: O(StringEnum([...GATEWAY_STATES])),
    vmId: O(S()),
  },
  { description: "A protection store gateway: a VM appliance in a hypervisor manager that hosts on-premises protection stores" },
);

const Id = () => Type.String({ minLength: 1, maxLength: 64 });

/** POST /protection-store-gateways and POST …/{id}/recover. */
export const GatewayPostSchema = Type.Object({
  hypervisorManagerId: Id(),
  name: Type.String({ minLength: 1, maxLength: 63, pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$" }),
  vmConfig: Type.Object({
    ...SizeFields,
    clusterId: O(Id()),
    contentLibraryId: O(Id()),
    datastoreIds: O(Type.Array(Id(), { maxItems: 16 })),
    folderId: O(Id()),
    hostId: O(Id()),
    network: O(
      Type.Object({
        dns: O(Type.Array(Address, { maxItems: 8 })),
        gateway: O(Type.String({ maxLength: 64 })),
        name: O(Type.String({ maxLength: 255 })),
        networkAddress: O(Type.String({ maxLength: 255 })),
        networkType: O(NetworkType),
        subnetMask: O(Ipv4()),
      }),
    ),
    override: O(Override),
    resourcePoolId: O(Id()),
  }),
});

/** PATCH /protection-store-gateways/{id} (merge patch). */
export const GatewayPatchSchema = Type.Object(
  {
    dateTime: O(Type.Object({ methodDateTimeSet: O(StringEnum(["NTP", "VM_HOST"])), timezone: O(Type.String({ maxLength: 64 })), utcDateTime: O(Timestamp) })),
    dns: O(Type.Array(Address, { maxItems: 8 })),
    ntp: O(Type.Array(Address, { maxItems: 8 })),
    proxy: O(Type.Union([ProxySettings, Type.Null()])),
  },
  { additionalProperties: false },
);

export const SizeRequestSchema = Type.Object(SizeFields);
export const ResizeRequestSchema = Type.Object({ ...SizeFields, datastoreIds: O(Type.Array(Id(), { maxItems: 16 })), override: O(Override) });
export const SizeResultsSchema = Type.Object({ iops: O(Type.Number()), ramInGiB: O(Type.Number()), storageInTiB: O(Type.Number()), vCpu: O(Type.Number()) });

const NicFields = { gateway: O(Type.String({ maxLength: 64 })), networkAddress: O(Ipv4()), networkName: O(Type.String({ maxLength: 255 })), networkType: O(NetworkType), subnetMask: O(Ipv4()) };
export const NicCreateSchema = Type.Object({ nic: Type.Object(NicFields) });
export const NicUpdateSchema = Type.Object({ force: O(Type.Boolean()), nic: Type.Object({ id: Type.String({ format: "uuid" }), ...NicFields }) });
export const NicDeleteSchema = Type.Object({ nic: Type.Object({ id: Type.String({ format: "uuid" }) }) });

export const NetworkDebugSchema = Type.Object({ address: Type.String({ minLength: 1, maxLength: 255 }) });
export const RemoteSupportSchema = Type.Object({ enabled: Type.Boolean() });
export const SupportBundleSchema = Type.Object({ description: O(Type.String({ maxLength: 1024 })), slim: O(Type.Boolean()) });
export const ConsoleCredentialsSchema = Type.Object({ password: O(S()), username: O(S()) });
export const ForceQuery = Type.Object({ force: O(Type.Boolean()) });

const NicConfig = Type.Object({
  id: Type.String({ format: "uuid" }),
  networkName: O(S()),
  networkType: O(NetworkType),
  networkAddress: O(Ipv4()),
  subnetMask: O(Ipv4()),
  gateway: O(S()),
});

/**
 * A change of a gateway's configuration, as its job payload carries it: decided (ids generated,
 * passwords sealed away) when the request is accepted, applied by the job; applying it twice
 * gives the same configuration.
 */
export const GatewayChangeSchema = Type.Union([
  Type.Object({
    kind: Type.Literal("patch"),
    dateTime: O(GatewayPatchSchema.properties.dateTime),
    dns: O(GatewayPatchSchema.properties.dns),
    ntp: O(GatewayPatchSchema.properties.ntp),
    /** null removes the proxy; its password is never part of the change. */
    proxy: O(Type.Union([Type.Object({ networkAddress: O(S()), port: O(Type.Integer()), username: O(S()) }), Type.Null()])),
  }),
  Type.Object({ kind: Type.Literal("createNic"), nic: NicConfig }),
  Type.Object({ kind: Type.Literal("updateNic"), nic: NicConfig }),
  Type.Object({ kind: Type.Literal("deleteNic"), id: Type.String({ format: "uuid" }) }),
  Type.Object({ kind: Type.Literal("remoteSupport"), enabled: Type.Boolean(), stationId: O(S()) }),
]);
