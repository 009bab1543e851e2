// Reads OBR_S3_TARGETS: a JSON object mapping storage locations (AWS region ids) to S3 targets
// (domain/schemas/s3-target-schemas.ts), read once at start-up. A location that is not one of the
// storage locations obr knows, a malformed file or a bad field stops the start with the reason.
import { readFile, stat } from "node:fs/promises";
import { Value } from "typebox/value";
import { AppError } from "../domain/app-error.ts";
import { type S3TargetConfig, S3TargetsSchema } from "../domain/schemas/s3-target-schemas.ts";
import { findStorageLocation } from "../domain/storage-locations.ts";

export interface S3TargetsFile {
  /** region id -> target, in the file's order */
  targets: ReadonlyMap<string, S3TargetConfig>;
  /** Why the file's permissions are too open ("" when 0600 or stricter): it holds credentials. */
  warning: string;
}

export async function loadS3Targets(path: string): Promise<S3TargetsFile> {
  let text: string;
  let mode: number;
  try {
    text = await readFile(path, "utf8");
    mode = (await stat(path)).mode & 0o777;
  } catch (err) {
    throw AppError.badRequest(`OBR_S3_TARGETS ${path} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw AppError.badRequest(`OBR_S3_TARGETS ${path} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Value.Check(S3TargetsSchema, parsed)) {
    const first = Value.Errors(S3TargetsSchema, parsed)[0];
    throw AppError.badRequest(`OBR_S3_TARGETS ${path}: ${first ? `${first.instancePath || "/"} ${first.message}` : "not an object of region -> target"}`);
  }
  const targets = new Map<string, S3TargetConfig>();
  for (const [region, target] of Object.entries(parsed)) {
    if (findStorageLocation(region)?.cloudServiceProviderId !== region) throw AppError.badRequest(`OBR_S3_TARGETS ${path}: '${region}' is not a storage location (see GET /data-services/v1beta1/storage-locations)`);
    targets.set(region, target);
  }
  if (targets.size === 0) throw AppError.badRequest(`OBR_S3_TARGETS ${path} names no target; unset OBR_S3_TARGETS to keep cloud stores in the data dir`);
  const warning = (mode & 0o077) !== 0 ? `OBR_S3_TARGETS ${path} is readable by others (mode ${mode.toString(8)}): it holds credentials, chmod 600 it` : "";
  return { targets, warning };
}
