// The protection store gateway sizer: CPU, memory, storage and IOPS a gateway needs for the data
// it is to protect each day and how long it keeps it. Pure arithmetic; README "Sizing a gateway"
// gives the same formula for users.
import { AppError } from "./app-error.ts";

export interface SizeInput {
  maxOnPremDailyProtectedDataInTiB?: number | undefined;
  maxOnPremRetentionDays?: number | undefined;
  maxInCloudDailyProtectedDataInTiB?: number | undefined;
  maxInCloudRetentionDays?: number | undefined;
}

export interface SizeOverride {
  cpu?: number | undefined;
  ramInGiB?: number | undefined;
  storageInTiB?: number | undefined;
}

export interface SizeResult {
  vCpu: number;
  ramInGiB: number;
  storageInTiB: number;
  iops: number;
}

/** Assumptions of the sizer (fractions per day; ratios as divisors). */
export const SIZER = {
  /** Share of the protected data that changes per day (each backup after the first stores this much new data). */
  dailyChangeRate: 0.02,
  /** Deduplication and compression of stored data: stored = logical / reduction. */
  dataReduction: 2,
  /** Local metadata and staging a cloud copy needs on the gateway, as a share of the data it keeps in the cloud. */
  cloudLocalShare: 0.02,
  /** Free space kept for garbage collection and growth. */
  headroom: 0.2,
  /** The daily changed data must be moved within this window, seconds. */
  backupWindowSeconds: 8 * 3600,
  /** One vCPU per this much ingest, MiB/s; at least `minCpu`. */
  mibPerSecondPerCpu: 50,
  minCpu: 2,
  /** Memory: a base plus the chunk index's working set per TiB stored. */
  baseRamGiB: 8,
  ramGiBPerStoredTiB: 1,
  /** I/O size of the store's writes and reads, KiB. */
  ioSizeKiB: 64,
} as const;

const TIB_IN_MIB = 1024 * 1024;
const up = (value: number, step: number) => Math.ceil(value / step - 1e-9) * step;

/** Data a tier keeps (logical TiB): one full copy plus the daily changes of the retention days after it. */
export function keptTiB(dailyTiB: number, retentionDays: number): number {
  if (dailyTiB <= 0 || retentionDays <= 0) return 0;
  return dailyTiB * (1 + SIZER.dailyChangeRate * Math.max(0, retentionDays - 1));
}

export function sizeGateway(input: SizeInput, override: SizeOverride = {}): SizeResult {
  const onPremDaily = input.maxOnPremDailyProtectedDataInTiB ?? 0;
  const cloudDaily = input.maxInCloudDailyProtectedDataInTiB ?? 0;
  if (onPremDaily + cloudDaily <= 0 && override.storageInTiB === undefined) {
    throw AppError.badRequest("give maxOnPremDailyProtectedDataInTiB or maxInCloudDailyProtectedDataInTiB (TiB protected per day), or override.storageInTiB");
  }
  const onPremStored = keptTiB(onPremDaily, input.maxOnPremRetentionDays ?? 0) / SIZER.dataReduction;
  const cloudStored = keptTiB(cloudDaily, input.maxInCloudRetentionDays ?? 0) / SIZER.dataReduction;
  const storage = up((onPremStored + SIZER.cloudLocalShare * cloudStored) * (1 + SIZER.headroom), 0.01);
  const ingestMiBps = ((onPremDaily + cloudDaily) * SIZER.dailyChangeRate * TIB_IN_MIB) / SIZER.backupWindowSeconds;
  const storageInTiB = override.storageInTiB ?? Math.max(0.01, storage);
  return {
    vCpu: override.cpu ?? Math.max(SIZER.minCpu, 2 * Math.ceil(ingestMiBps / SIZER.mibPerSecondPerCpu / 2)),
    ramInGiB: override.ramInGiB ?? SIZER.baseRamGiB + Math.ceil(storageInTiB * SIZER.ramGiBPerStoredTiB),
    storageInTiB,
    // Writes of the ingest plus as many reads (verification and the cloud copy read it back).
    iops: Math.ceil(((2 * ingestMiBps * 1024) / SIZER.ioSizeKiB) * 10) / 10,
  };
}
