// Deterministic crash points for the crash tests: with OBR_CRASH_AT=<name> set, the process kills
// itself (SIGKILL, exit status 137) when it reaches the point <name>, as a power cut or the OOM
// killer would, with no cleanup. Inert unless the variable names that point.

/** Points the lab passes between steps that must survive a crash. */
export type CrashPointName =
  | "lab.relocate.after-journal"
  | "lab.relocate.mid-move"
  | "lab.relocate.after-move"
  | "lab.power.after-apply"
  | "lab.create.after-disks"
  | "lab.create.after-register"
  | "lab.delete.after-unregister"
  | "lab.datastore.after-create";

export function crashPoint(name: CrashPointName): void {
  // Read at the call, not at import: nothing reads the environment at import time.
  if (process.env.OBR_CRASH_AT === name) process.kill(process.pid, "SIGKILL");
}
