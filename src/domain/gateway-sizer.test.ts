import { describe, expect, test } from "vitest";
import { AppError } from "./app-error.ts";
import { keptTiB, sizeGateway } from "./gateway-sizer.ts";

describe("gateway sizer", () => {
  test("the contract's example: 5 TiB/day kept 5 days on premises, 90 TiB/day kept 90 days in the cloud", () => {
    // on-prem 5 x (1 + 0.02 x 4) / 2 = 2.7; cloud 90 x (1 + 0.02 x 89) / 2 = 125.1, 2 % of it local;
    // (2.7 + 2.502) x 1.2 = 6.2424 -> 6.25 TiB. Ingest 95 x 2 % per 8 h = 69.2 MiB/s -> 2 vCPU.
    expect(sizeGateway({ maxOnPremDailyProtectedDataInTiB: 5, maxOnPremRetentionDays: 5, maxInCloudDailyProtectedDataInTiB: 90, maxInCloudRetentionDays: 90 })).toEqual({
      vCpu: 2,
      ramInGiB: 15,
      storageInTiB: 6.25,
      iops: 2213.7,
    });
  });

  test("more data kept longer needs more storage, memory and CPU", () => {
    const small = sizeGateway({ maxOnPremDailyProtectedDataInTiB: 1, maxOnPremRetentionDays: 7 });
    const big = sizeGateway({ maxOnPremDailyProtectedDataInTiB: 500, maxOnPremRetentionDays: 30 });
    expect(big.storageInTiB).toBeGreaterThan(small.storageInTiB);
    expect(big.ramInGiB).toBeGreaterThan(small.ramInGiB);
    expect(big.vCpu).toBeGreaterThan(small.vCpu);
    expect(keptTiB(10, 31)).toBeCloseTo(16);
  });

  test("an override wins; no data at all is a 400", () => {
    expect(sizeGateway({ maxOnPremDailyProtectedDataInTiB: 1 }, { cpu: 8, ramInGiB: 24, storageInTiB: 2 })).toMatchObject({ vCpu: 8, ramInGiB: 24, storageInTiB: 2 });
    expect(() => sizeGateway({})).toThrow(AppError);
  });
});
