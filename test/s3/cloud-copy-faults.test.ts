// The object store failing under a run, through the API: radosgw of this file's own throwaway
// Ceph is killed while the run's cloud copy uploads packs (the monitor and OSD keep running, so
// what was written survives: memstore lives in the OSD). The CLOUD_BACKUP tier fails with the
// reason, no cloud copy is listed, the on-premises backup stays; with radosgw back the next run
// succeeds and moves only what the bucket lacks.
import { CreateBucketCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeS3Client } from "../../src/store/backends/s3-client.ts";
import { testRgw } from "../../src/store/test-support/s3.ts";
import { OPERATIONS, json, sleep } from "../helpers/greenlake.ts";
import { waitOperation } from "../helpers/inventory.ts";
import { type Rgw, startGateway, startRgw, stopGateway, stopRgw } from "../helpers/rgw.ts";
import { createStore } from "../helpers/stores.ts";
import { type S3World, backupAndCloud, backupsOf, endOf, queueRun, s3World, targetFor, targetsFile, tierOperation } from "./s3-fixture.ts";

const { skipReason } = testRgw();
const BUCKET = "obr-faults";

describe.skipIf(Boolean(skipReason))(`a cloud copy when RGW stops${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  let rgw: Rgw;
  let client: S3Client;
  let w: S3World;
  let file: { path: string; cleanup(): void };
  let cloud: string;

  beforeAll(async () => {
    rgw = await startRgw({ memstoreBytes: 2 ** 30 });
    const bucket = { endpoint: rgw.endpoint, region: rgw.region, bucket: BUCKET, credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey } };
    client = makeS3Client(bucket, { maxAttempts: 1 });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    file = targetsFile({ "eu-west-1": targetFor(bucket) });
    w = await s3World(file.path, 64);
    const made = await createStore(w.server, { protectionStoreType: "CLOUD", storageLocationId: "aws:eu-west-1", displayName: "cloud on rgw" });
    expect(made.op.state, JSON.stringify(made.op.error)).toBe("SUCCEEDED");
    cloud = made.id;
  });
  afterAll(async () => {
    client?.destroy();
    await w?.server.stop();
    file?.cleanup();
    if (rgw) await stopRgw(rgw.dir);
  });

  const sizesUnder = async (dir: "packs" | "index") => {
    const out = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `obr/${cloud}/${dir}/` }));
    return (out.Contents ?? []).map((o) => o.Size ?? 0);
  };
  const movedOf = (log: string) => Number(/(\d+) bytes moved to the cloud store/.exec(log)?.[1] ?? Number.NaN);

  test("RGW killed mid-copy: the cloud tier fails with the reason and lists nothing; with RGW back the next run moves only what is missing", async () => {
    const tiers = backupAndCloud(w, cloud);
    const runId = await queueRun(w, tiers);
    // kill radosgw once the copy has put its first pack and that pack's index into the bucket
    for (const deadline = Date.now() + 60_000; (await sizesUnder("index")).length === 0; ) {
      if (Date.now() > deadline) throw new Error("the cloud copy never wrote a pack");
      await sleep(10);
    }
    await stopGateway(rgw, { crash: true });
    const first = await endOf(w, runId, tiers);
    const [backupTier, cloudTier] = first.children;
    expect(backupTier!.state).toBe("SUCCEEDED");
    expect(cloudTier!.state).toBe("FAILED");
    expect(cloudTier!.error?.error).toMatch(/S3 \w+ .*ECONNREFUSED|S3 \w+ .*socket|S3 \w+ .*ECONNRESET/);
    expect(first.parent.state).toBe("FAILED");
    const listed = await backupsOf(w);
    expect(listed.map((b) => b.backupType)).toEqual(["BACKUP"]);

    await startGateway(rgw);
    const leftBehind = await sizesUnder("packs");
    expect(leftBehind.length).toBeGreaterThan(0);
    const second = await endOf(w, await queueRun(w, tiers), tiers);
    expect(second.parent.state, JSON.stringify(second.parent.error)).toBe("SUCCEEDED");
    const copy = (await backupsOf(w)).find((b) => b.backupType === "CLOUD_BACKUP")!;
    expect(copy.state).toBe("OK");
    const cloudId = (await tierOperation(w, second.parent.id, 3))!;
    const log = (await json<{ logMessages: { message: string }[] }>(await w.server.api(`${OPERATIONS}/${cloudId}`), 200)).logMessages.map((m) => m.message).join("\n");
    const moved = movedOf(log);
    const already = leftBehind.reduce((n, s) => n + s, 0);
    // Only what the first attempt did not leave indexed went up: what the copy stores, less the
    // packs left behind, but the last one, whose index the kill may have cut off (GC's to remove);
    // 2 % for the packs' own framing.
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(copy.storedSizeInBytes!);
    expect(copy.storedSizeInBytes! - moved).toBeGreaterThanOrEqual((already - Math.max(...leftBehind)) * 0.98);
    expect(copy.newStoredSizeInBytes).toBe(moved);
    await waitOperation(w.server, `${OPERATIONS}/${second.parent.id}`);
  });
});
