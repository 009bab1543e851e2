// Payload schemas of the inventory job types: what each start call queues, checked when a worker
// claims the job (an invalid payload fails the operation instead of reaching the service).
import { Type } from "typebox";

const Id = Type.String({ minLength: 1 });
const Count = Type.Integer({ minimum: 1 });

export const ManagerPayload = Type.Object({ managerId: Id });
/** The manager's state before the operation made it busy: where a failed one returns it (optional: queued before it was recorded). */
const PreviousState = Type.Optional(Type.String());
export const ManagerRefreshPayload = Type.Object({ managerId: Id, previousState: PreviousState });
export const VmPayload = Type.Object({ managerId: Id, vmId: Id });

export const ManagerUpdatePayload = Type.Object({
  managerId: Id,
  previousState: PreviousState,
  patch: Type.Object({
    displayName: Type.Optional(Type.String()),
    description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    networkAddress: Type.Optional(Type.String()),
    credentials: Type.Optional(Type.Object({ username: Type.Optional(Type.String()), password: Type.Optional(Type.String()) })),
  }),
});

export const VmPowerPayload = Type.Object({
  managerId: Id,
  vmId: Id,
  operation: Type.Union([
    Type.Literal("powerOn"),
    Type.Literal("powerOff"),
    Type.Literal("suspend"),
    Type.Literal("reset"),
    Type.Literal("shutdownGuest"),
    Type.Literal("restartGuest"),
  ]),
  /** The power state (as the API reports it) the operation ends in; a resumed run checks it. */
  targetState: Type.Optional(Type.Union([Type.Literal("POWERED_ON"), Type.Literal("POWERED_OFF"), Type.Literal("SUSPENDED")])),
});

export const VmCreatePayload = Type.Object({
  managerId: Id,
  spec: Type.Object({
    name: Type.String(),
    datastoreId: Type.Optional(Id),
    hostId: Type.Optional(Id),
    folderId: Type.Optional(Id),
    resourcePoolId: Type.Optional(Id),
    numCpus: Type.Optional(Count),
    coresPerSocket: Type.Optional(Count),
    memoryMib: Type.Optional(Count),
    guest: Type.Optional(
      Type.Object({
        family: Type.Union([Type.Literal("linux"), Type.Literal("windows"), Type.Literal("other")]),
        osName: Type.String(),
        osVersion: Type.Optional(Type.String()),
        hostname: Type.Optional(Type.String()),
      }),
    ),
    disks: Type.Array(Type.Object({ capacityBytes: Type.Integer({ minimum: 0 }), datastoreId: Type.Optional(Id) })),
    networkAdapters: Type.Optional(Type.Array(Type.Object({ networkId: Id, macAddress: Type.Optional(Type.String()), connectAtPowerOn: Type.Optional(Type.Boolean()) }))),
    powerOn: Type.Optional(Type.Boolean()),
  }),
});

export const VmHardwarePayload = Type.Object({
  managerId: Id,
  vmId: Id,
  change: Type.Object({ numCpus: Type.Optional(Count), coresPerSocket: Type.Optional(Count), memoryMib: Type.Optional(Count) }),
});

export const VmMigratePayload = Type.Object({
  managerId: Id,
  vmIds: Type.Array(Id, { minItems: 1 }),
  target: Type.Object({ datastoreId: Id, clusterId: Id }),
});

export const DatastoreCreatePayload = Type.Object({
  managerId: Id,
  spec: Type.Object({
    name: Type.String(),
    type: Type.Union([Type.Literal("VMFS"), Type.Literal("VVOL")]),
    capacityBytes: Type.Integer({ minimum: 1 }),
    clusterId: Id,
  }),
});
