// The store the crash test and its child share, named by one argument: a directory, or `s3:` and
// the JSON of an S3 target whose GC lock and backup sessions are short leases (a killed child's
// lapse within seconds, as a dead machine's would).
import type { S3Target } from "../backends/s3.ts";
import { S3Backend } from "../backends/s3.ts";
import { ProtectionStore } from "../protection-store.ts";

/** Lease of the S3 crash store's GC lock and sessions, ms. */
export const CRASH_LEASE_MS = 1500;

export const s3CrashStoreArg = (target: S3Target): string => `s3:${JSON.stringify(target)}`;

function backendOf(arg: string): S3Backend | undefined {
  if (!arg.startsWith("s3:")) return undefined;
  const target: S3Target = JSON.parse(arg.slice(3));
  return new S3Backend(target, { leaseMs: CRASH_LEASE_MS, claimSettleMs: 20 });
}

export function openCrashStore(arg: string): Promise<ProtectionStore> {
  const s3 = backendOf(arg);
  return s3 ? ProtectionStore.openOn(s3) : ProtectionStore.open(arg);
}

export function createCrashStore(arg: string): Promise<ProtectionStore> {
  const s3 = backendOf(arg);
  return s3 ? ProtectionStore.createOn(s3) : ProtectionStore.create(arg);
}
