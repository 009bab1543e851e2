// OBR_S3_TARGETS: a JSON file of storage location -> S3 target, read at start-up; the offered
// storage locations follow it. Anything wrong stops the start with a reason naming the field.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { STORAGE_LOCATIONS, offeredLocations } from "../domain/storage-locations.ts";
import { loadS3Targets } from "./s3-targets.ts";

const dir = mkdtempSync(join(tmpdir(), "obr-s3-targets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const target = { endpoint: "http://127.0.0.1:7480", bucket: "obr-eu", region: "us-east-1", forcePathStyle: true, accessKeyId: "AK", secretAccessKey: "SK" };

let n = 0;
function file(content: unknown, mode = 0o600): string {
  const path = join(dir, `t${++n}.json`);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  chmodSync(path, mode);
  return path;
}

test("a valid file gives the targets in order, and the offered locations are exactly theirs", async () => {
  const loaded = await loadS3Targets(file({ "eu-west-1": target, "us-east-2": { ...target, prefix: "team-a/" } }));
  expect([...loaded.targets.keys()]).toEqual(["eu-west-1", "us-east-2"]);
  expect(loaded.targets.get("us-east-2")?.prefix).toBe("team-a/");
  expect(loaded.warning).toBe("");
  expect(offeredLocations(loaded.targets).map((l) => l.id)).toEqual(["aws:us-east-2", "aws:eu-west-1"]);
  expect(offeredLocations(new Map())).toBe(STORAGE_LOCATIONS);
});

test("a file others can read is loaded with a warning to chmod 600 it", async () => {
  expect((await loadS3Targets(file({ "eu-west-1": target }, 0o644))).warning).toMatch(/chmod 600/);
});

test.each([
  ["a missing file", join(dir, "absent.json"), /cannot be read/],
  ["not JSON", "{", /is not JSON/],
  ["an unknown location", { "mars-north-1": target }, /'mars-north-1' is not a storage location/],
  ["a target without a bucket", { "eu-west-1": { ...target, bucket: undefined } }, /bucket/],
  ["an unknown field", { "eu-west-1": { ...target, sessionToken: "x" } }, /\/eu-west-1/],
  ["a prefix without its trailing slash", { "eu-west-1": { ...target, prefix: "team-a" } }, /\/eu-west-1\/prefix/],
  ["an endpoint that is no URL", { "eu-west-1": { ...target, endpoint: "127.0.0.1:7480" } }, /\/eu-west-1\/endpoint/],
  ["no target at all", {}, /names no target/],
])("%s stops the start with the reason", async (_what, content, reason) => {
  const path = typeof content === "string" && content.startsWith("/") ? content : file(content);
  await expect(loadS3Targets(path)).rejects.toThrow(reason);
});
