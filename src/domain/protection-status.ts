// A VM's protectionStatus from the facts the contract defines it by (virtualization.json
// protectionStatus): whether a policy is assigned, whether any schedule is paused, whether a
// recovery point exists, and whether the newest run of every schedule succeeded.
export type ProtectionStatus = "UNPROTECTED" | "LAPSED" | "PENDING" | "PARTIAL" | "PROTECTED" | "PAUSED";

export interface ProtectionFacts {
  assigned: boolean;
  paused: boolean;
  recoveryPointsExist: boolean;
  /** The newest run of every configured schedule succeeded. */
  allSchedulesSucceeded?: boolean;
}

export function protectionStatusOf(f: ProtectionFacts): ProtectionStatus {
  if (!f.assigned) return f.recoveryPointsExist ? "LAPSED" : "UNPROTECTED";
  if (f.paused) return "PAUSED";
  if (!f.recoveryPointsExist) return "PENDING";
  return f.allSchedulesSucceeded ? "PROTECTED" : "PARTIAL";
}
