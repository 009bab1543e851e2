// What a restore asks the worker to do, resolved and checked when it is requested: the copy, and
// either the disks of an existing VM to overwrite (PARENT, restore-disks) or a new VM to create.
import type { Static } from "typebox";
import { Type } from "typebox";

export const JOB_RESTORE = "protection.restore";

const Id = Type.String({ minLength: 1 });

export const RestoreDisk = Type.Object({
  /** The copy's disk. */
  from: Id,
  /** The target VM's disk it overwrites (existing VM), absent for a new VM. */
  to: Type.Optional(Id),
});

export const RestorePayload = Type.Object({
  source: Type.Object({ kind: Type.Union([Type.Literal("snapshot"), Type.Literal("backup")]), id: Id }),
  target: Type.Union([
    Type.Object({
      kind: Type.Literal("EXISTING"),
      vmId: Id,
      managerId: Id,
      /** Power on after the restore; null: as the VM was before it. */
      powerOn: Type.Union([Type.Boolean(), Type.Null()]),
    }),
    Type.Object({
      kind: Type.Literal("NEW"),
      managerId: Id,
      name: Id,
      hostId: Type.Optional(Id),
      datastoreId: Type.Optional(Id),
      folderId: Type.Optional(Id),
      resourcePoolId: Type.Optional(Id),
      networkIds: Type.Array(Id),
      powerOn: Type.Boolean(),
    }),
  ]),
  disks: Type.Array(RestoreDisk, { minItems: 1 }),
});
export type RestorePayload = Static<typeof RestorePayload>;
