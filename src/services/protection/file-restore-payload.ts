// What a file restore asks the worker to do, resolved and checked when it was requested: the
// copy, the target VM, and each source path with the path it is restored as.
import { type Static, Type } from "typebox";
import { FileRestoreMethod } from "../../domain/schemas/restore-schemas.ts";

export const JOB_RESTORE_FILES = "protection.restore-files";

const Id = Type.String({ minLength: 1 });

export const FileRestorePayload = Type.Object({
  source: Type.Object({ kind: Type.Union([Type.Literal("snapshot"), Type.Literal("backup")]), id: Id }),
  targetVmId: Id,
  managerId: Id,
  method: FileRestoreMethod,
  /** Normalised absolute guest paths: what is read from the copy, and the name it gets in the target. */
  items: Type.Array(Type.Object({ source: Id, target: Id }), { minItems: 1 }),
  /** Appended to a KEEPASBACKUP name (`<name>_<stamp>`): the request's time, so every file of it shares one. */
  stamp: Id,
});
export type FileRestorePayload = Static<typeof FileRestorePayload>;

/** The job key that keeps one file restore per target VM at a time. */
export const fileRestoreKey = (vmId: string): string => `restore-files:${vmId}`;
