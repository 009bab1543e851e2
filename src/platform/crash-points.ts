// Deterministic crash points between steps that must be all-or-nothing: a test names one (the
// OBR_CRASH_POINT setting) and the process ends there as if killed, so what survives a crash at
// that exact moment can be checked. Without a named point hit() does nothing.

export const CRASH_POINTS = [
  /** Inside the transaction that writes a resource's busy state and its operation, between the two. */
  "after-busy-state",
  /** Inside the transaction that ends a job (its one fenced statement ran; nothing committed yet). */
  "before-completion-commit",
  /** Just after the transaction that ends a job committed (its undo of busy states included). */
  "after-completion-commit",
  // Lab connector work (src/connectors/lab), between the steps a resumed operation must finish:
  /** A VM relocation's journal is saved; no file has moved. */
  "lab.relocate.after-journal",
  /** A VM relocation has moved the first entry of the VM's home directory, not the others. */
  "lab.relocate.mid-move",
  /** A VM relocation has moved every file; the VM's new paths are not saved yet. */
  "lab.relocate.after-move",
  /** A power change is saved in the lab; the operation has not heard back. */
  "lab.power.after-apply",
  /** A new VM's blank disks exist; the VM is not registered yet. */
  "lab.create.after-disks",
  /** A new VM is registered in the lab; the operation has not heard back. */
  "lab.create.after-register",
  /** A deleted VM is gone from the lab inventory; its files are not removed yet. */
  "lab.delete.after-unregister",
  /** A new datastore is saved in the lab; the operation has not heard back. */
  "lab.datastore.after-create",
  // Protection runs (src/services/protection):
  /** A backup tier has written its first disk image into the store; its copy is not listed yet. */
  "protection.backup.after-image",
  /** A restore has overwritten the first disk of the VM; the others are not written yet. */
  "protection.restore.after-disk",
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export interface CrashPoints {
  hit(point: CrashPoint): void;
}

export const NO_CRASH_POINTS: CrashPoints = { hit() {} };

/** Crash points that call `exit(137)` (the status of a SIGKILL) at the named point. */
export function crashPointsAt(name: string | undefined, exit: (code: number) => void): CrashPoints {
  if (name === undefined) return NO_CRASH_POINTS;
  return {
    hit(point) {
      if (point === name) exit(137);
    },
  };
}
