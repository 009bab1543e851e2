// vitest globalSetup of the unit project: one throwaway RGW for the whole run, shared by every
// test file that runs the store on S3 (each makes its own buckets). Without the Ceph packages
// the S3 half skips with the reason; in CI (CI=true) it must run, so a missing or failing RGW
// fails the run. OBR_S3=0 skips it on purpose.
import type { TestProject } from "vitest/node";
import { missingCephBinaries, RGW_INSTALL_HINT, startRgw, stopRgw } from "./rgw.ts";

export interface RgwInfo {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    rgw: RgwInfo | null;
    rgwSkipReason: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const ci = process.env.CI === "true" || process.env.CI === "1";
  const skip = (reason: string) => {
    project.provide("rgw", null);
    project.provide("rgwSkipReason", reason);
  };
  if (process.env.OBR_S3 === "0" && !ci) {
    skip("OBR_S3=0");
    return undefined;
  }
  const missing = missingCephBinaries();
  if (missing.length > 0) {
    const reason = `Ceph is not installed (missing ${missing.join(", ")}); to run the S3 tests: ${RGW_INSTALL_HINT}`;
    if (ci) throw new Error(`CI needs the S3 tests: ${reason}`);
    console.warn(`\n⚠ S3 half of the store tests skipped: ${reason}\n`);
    skip(reason);
    return undefined;
  }
  const rgw = await startRgw(); // fails the run if RGW cannot start: installed means expected to work
  project.provide("rgw", { endpoint: rgw.endpoint, region: rgw.region, accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey });
  project.provide("rgwSkipReason", "");
  return () => stopRgw(rgw.dir);
}
