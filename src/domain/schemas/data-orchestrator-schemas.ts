// DataOrchestratorDetails of backup-recovery/v1beta1 (as obr fills it) and the request bodies of
// its writes and actions. Request bodies refuse unknown (and so read-only) fields.
import { Type } from "typebox";
import { CommonResourceFields, Timestamp } from "./common-schemas.ts";
import { StringEnum } from "./inventory-schemas.ts";

const O = Type.Optional;
const S = () => Type.String();
const Ipv4 = () => Type.String({ format: "ipv4" });
const strict = { additionalProperties: false } as const;

export const CONNECTION_STATES = ["CONNECTED", "DISCONNECTED"] as const;
export const ORCHESTRATOR_STATES = ["OK", "UPGRADING", "UPDATING", "RESTORING", "RECOVERING", "UNKNOWN", "DEGRADED"] as const;

const StaticRoute = Type.Object({ gateway: O(S()), networkAddress: O(Ipv4()), subnetMask: O(Ipv4()) }, strict);
const Nic = Type.Object(
  {
    addressType: O(StringEnum(["DHCP", "STATIC"])),
    enabled: O(Type.Boolean()),
    name: O(S()),
    networkAddress: O(Ipv4()),
    staticRoutes: O(Type.Array(StaticRoute, { maxItems: 64 })),
    subnetMask: O(Ipv4()),
  },
  strict,
);
const NameServer = Type.Object({ networkAddress: O(S()) }, strict);
const NtpServer = Type.Object({ networkAddress: O(Type.String({ maxLength: 255 })) }, strict);
const DateTimeSettings = Type.Object({ methodDateTimeSet: O(StringEnum(["NTP", "VM_HOST"])), timezone: O(S()) }, strict);

const NetworkUpdate = Type.Object(
  {
    defaultGateway: O(S()),
    hostname: O(S()),
    nameServers: O(Type.Array(NameServer, { maxItems: 16 })),
    nic: O(Type.Array(Nic, { maxItems: 16 })),
    proxy: O(
      Type.Object(
        {
          credentials: O(Type.Object({ username: O(S()), password: O(S()) }, strict)),
          networkAddress: O(Type.String({ maxLength: 255 })),
          port: O(Type.Integer({ minimum: 1, maximum: 65535 })),
        },
        strict,
      ),
    ),
    searchDomains: O(Type.Array(S(), { maxItems: 16 })),
  },
  strict,
);

export const DataOrchestratorUpdateSchema = Type.Object(
  {
    dateTime: O(DateTimeSettings),
    displayName: O(Type.String({ minLength: 1, maxLength: 255 })),
    network: O(NetworkUpdate),
    ntp: O(Type.Object({ ntpServers: O(Type.Array(NtpServer, { maxItems: 16 })) }, strict)),
  },
  { ...strict, description: "DataOrchestratorUpdate" },
);

const NetworkDetail = Type.Object({
  defaultGateway: O(S()),
  hostname: O(S()),
  nameServers: O(Type.Array(Type.Object({ networkAddress: O(S()) }))),
  nic: O(Type.Array(Type.Object({ ...Nic.properties, state: O(StringEnum(["UP", "DOWN"])) }))),
  proxy: O(
    Type.Object({
      credentials: O(Type.Object({ username: O(S()) })),
      networkAddress: O(Type.String({ maxLength: 255 })),
      port: O(Type.Integer()),
    }),
  ),
  searchDomains: O(Type.Array(S())),
});

export const DataOrchestratorSchema = Type.Object(
  {
    ...CommonResourceFields,
    id: S(),
    connectionState: StringEnum([...CONNECTION_STATES]),
    consoleUri: O(S()),
    displayName: O(S()),
    serialNumber: O(S()),
    softwareVersion: O(S()),
    state: StringEnum([...ORCHESTRATOR_STATES]),
    stateReason: O(S()),
    status: O(StringEnum(["OK", "WARNING", "ERROR"])),
    upTimeInSeconds: O(Type.Integer()),
    dateTime: O(Type.Object({ methodDateTimeSet: O(StringEnum(["NTP", "VM_HOST"])), timezone: O(S()) })),
    interfaces: O(Type.Object({ network: O(NetworkDetail) })),
    lastUpdateCheckTime: O(Timestamp),
    latestRecoveryPoint: O(Timestamp),
    ntp: O(
      Type.Object({
        ntpServers: O(Type.Array(Type.Object({ networkAddress: O(S()) }))),
        state: O(StringEnum(["OK", "DEGRADED"])),
        stateReason: O(S()),
        status: O(StringEnum(["OK", "WARNING", "ERROR"])),
      }),
    ),
    platform: O(StringEnum(["VMWARE_ESXI"])),
    poweredOnAt: O(Timestamp),
    totalMemoryInGiB: O(Type.Integer()),
    vCpu: O(Type.Integer()),
    infosightEnabled: O(Type.Boolean()),
    remoteAccessEnabled: O(Type.Boolean()),
    remoteAccessStationId: O(Type.String({ format: "uuid" })),
    // compat: obr extensions: when the orchestrator last reported, and whether it runs inside the
    // server process (EMBEDDED) or is a paired `obr orchestrator` process (SEPARATE).
    lastHeartbeatAt: O(Timestamp),
    deployment: O(StringEnum(["EMBEDDED", "SEPARATE"])),
  },
  { description: "DataOrchestratorDetails" },
);

export const DataOrchestratorCreateSchema = Type.Object(
  { activationCode: Type.String({ format: "uuid" }), displayName: O(Type.String({ minLength: 1, maxLength: 255 })) },
  { ...strict, description: "createDataOrchestrator" },
);

export const DataOrchestratorPowerSchema = Type.Object({ force: O(Type.Boolean({ default: true })) }, { ...strict, description: "DataOrchestratorPowerUpdate" });
export const DataOrchestratorRemoteSupportSchema = Type.Object({ remoteAccessEnabled: O(Type.Boolean()) }, { ...strict, description: "DataOrchestratorInfosightUpdate" });
export const DataOrchestratorRecoverSchema = Type.Object({ sid: Type.String({ format: "uuid" }) }, strict);
export const SupportBundleCreateSchema = Type.Object({ description: O(Type.String({ maxLength: 255 })) }, { ...strict, description: "supportBundleCreate" });
export const DataOrchestratorDeleteQuery = Type.Object({ force: O(Type.Boolean()) });

export const TotpResponseSchema = Type.Object({ totp: S(), expiresInSeconds: S() }, { description: "TOTPResponse" });
