// What only the S3 backend does: Object Lock retention, multipart uploads swept by GC, short
// reads, retries, cancellation, credentials kept out of messages. On the test RGW.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { inspect } from "node:util";
import { DeleteObjectCommand, GetObjectRetentionCommand, HeadObjectCommand, ListMultipartUploadsCommand, PutObjectRetentionCommand } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { StoreIoError } from "../errors.ts";
import { ProtectionStore } from "../protection-store.ts";
import { startFaultProxy } from "../test-support/fault-proxy.ts";
import { makeImage, sha, tempDir } from "../test-support/fixtures.ts";
import { newBucket, testRgw } from "../test-support/s3.ts";
import { S3Backend } from "./s3.ts";
import { makeS3Client } from "./s3-client.ts";

const { skipReason } = testRgw();

async function code(p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  return err instanceof Error && "code" in err && typeof err.code === "string" ? err.code : undefined;
}

describe.skipIf(Boolean(skipReason))(`S3 backend${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("Object Lock: COMPLIANCE retention is set, only ever extended, and a retained object cannot be deleted with the bucket's own credentials", async () => {
    const target = await newBucket({ kind: "object-lock" });
    const b = new S3Backend(target);
    const client = makeS3Client(target, { maxAttempts: 1 });
    try {
      await b.put("backups/x", Buffer.from("manifest"));
      await b.put("packs/ab/p", randomBytes(1000));
      const until = new Date(Date.now() + 3600_000);
      expect(await b.setRetention(["backups/x", "packs/ab/p"], until)).toEqual({ extended: 2, kept: 0 });
      // an earlier date keeps the later retention; a later one extends
      expect(await b.setRetention(["backups/x", "packs/ab/p"], new Date(Date.now() + 60_000))).toEqual({ extended: 0, kept: 2 });
      const later = new Date(until.getTime() + 60_000);
      expect(await b.setRetention(["packs/ab/p"], later)).toEqual({ extended: 1, kept: 0 });
      const got = await client.send(new GetObjectRetentionCommand({ Bucket: target.bucket, Key: "packs/ab/p" }));
      expect(got.Retention).toMatchObject({ Mode: "COMPLIANCE" });
      expect(Math.abs((got.Retention?.RetainUntilDate?.getTime() ?? 0) - later.getTime())).toBeLessThan(1000);
      // the data version cannot be deleted, not even bypassing governance, and retention cannot shrink
      const { VersionId } = await client.send(new HeadObjectCommand({ Bucket: target.bucket, Key: "backups/x" }));
      expect(VersionId).toBeTruthy();
      await expect(client.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: "backups/x", VersionId }))).rejects.toMatchObject({ name: "AccessDenied" });
      await expect(client.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: "backups/x", VersionId, BypassGovernanceRetention: true }))).rejects.toMatchObject({ name: "AccessDenied" });
      await expect(
        client.send(new PutObjectRetentionCommand({ Bucket: target.bucket, Key: "backups/x", VersionId, Retention: { Mode: "COMPLIANCE", RetainUntilDate: new Date(Date.now() + 60_000) } })),
      ).rejects.toBeTruthy();
      expect((await b.get("backups/x")).toString()).toBe("manifest");
    } finally {
      client.destroy();
    }
  });

  it("a store works in a versioned bucket (no conditional writes needed) and round trips", async () => {
    const s = await ProtectionStore.createOn(new S3Backend(await newBucket({ kind: "versioned" })));
    try {
      const img = `${t.dir}/v.img`;
      makeImage(img, 3 << 20, "versioned");
      const b = await s.backup(img);
      await s.restore(b.backupId, `${t.dir}/v.out`);
      expect(sha(`${t.dir}/v.out`)).toBe(sha(img));
    } finally {
      await s.close();
    }
  });

  it("a store's index blobs are kept in the cache dir: the next process fetches none of them", async () => {
    const target = await newBucket({ kind: "plain" });
    const cacheDir = `${t.dir}/cache`;
    const img = `${t.dir}/c.img`;
    writeFileSync(img, randomBytes(20 << 20)); // three packs
    const first = await ProtectionStore.createOn(new S3Backend(target), { cacheDir });
    const b = await first.backup(img);
    await first.close();
    const indexGets: string[] = [];
    const backend = new (class extends S3Backend {
      override get(key: string): Promise<Buffer> {
        if (key.startsWith("index/")) indexGets.push(key);
        return super.get(key);
      }
    })(target);
    const s = await ProtectionStore.openOn(backend, { cacheDir });
    try {
      await s.restore(b.backupId, `${t.dir}/c.out`);
      expect(sha(`${t.dir}/c.out`)).toBe(sha(img));
      expect((await backend.listKeys("index/")).length).toBeGreaterThanOrEqual(3);
      expect(indexGets).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it("GC's sweep aborts a multipart upload a dead writer left, not one still being written", async () => {
    const target = await newBucket();
    const writerSide = new S3Backend(target, { multipartThreshold: 5 << 20, partSize: 5 << 20 });
    const w = await writerSide.create("packs/aa/left");
    await w.write([randomBytes(6 << 20)], 0); // one part up: an upload exists
    const uploads = async () => (await listClient(target).send(new ListMultipartUploadsCommand({ Bucket: target.bucket }))).Uploads ?? [];
    while ((await uploads()).length === 0) await new Promise((r) => setTimeout(r, 20)); // the part goes up in the background
    expect(await writerSide.sweepIncomplete("", 0)).toBe(0); // its own writer still runs
    const gcSide = new S3Backend(target);
    expect(await gcSide.sweepIncomplete("", 3600_000)).toBe(0); // younger than the grace period
    expect(await gcSide.sweepIncomplete("", 0)).toBe(1);
    expect(await uploads()).toHaveLength(0);
    await expect(w.commit()).rejects.toBeTruthy();
    expect(await gcSide.has("packs/aa/left")).toBe(false);
  });

  it("a body cut short is a loud error (StoreIoError through the store), never a short blob", async () => {
    const target = await newBucket();
    const proxy = await startFaultProxy(target.endpoint ?? "");
    try {
      const viaProxy = new S3Backend({ ...target, endpoint: proxy.endpoint }, { maxAttempts: 1 });
      const s = await ProtectionStore.createOn(viaProxy);
      const img = `${t.dir}/cut.img`;
      makeImage(img, 2 << 20, "cut");
      const b = await s.backup(img);
      proxy.truncateGets = true;
      const data = randomBytes(300_000);
      await viaProxy.put("blob", data).catch(() => {});
      expect(await code(viaProxy.get("blob"))).toBe("EIO");
      expect(await code(viaProxy.readAt("blob", 0, Buffer.alloc(200_000)))).toBe("EIO");
      await expect(s.restore(b.backupId, `${t.dir}/cut.out`)).rejects.toBeInstanceOf(StoreIoError);
      await s.close();
    } finally {
      await proxy.close();
    }
  });

  it("5xx and throttling are retried with backoff; with retries off they fail", async () => {
    const target = await newBucket();
    const proxy = await startFaultProxy(target.endpoint ?? "");
    try {
      const b = new S3Backend({ ...target, endpoint: proxy.endpoint }, { maxAttempts: 4 });
      proxy.fail503 = 3;
      await b.put("k", Buffer.from("v"));
      expect(proxy.requests).toBe(4);
      expect((await b.get("k")).toString()).toBe("v");
      proxy.fail503 = 1;
      expect(await code(new S3Backend({ ...target, endpoint: proxy.endpoint }, { maxAttempts: 1 }).get("k"))).toBe("EIO");
    } finally {
      await proxy.close();
    }
  });

  it("a gateway that takes requests and never answers fails them after the request timeout and the retries, not never", async () => {
    const target = await newBucket();
    const proxy = await startFaultProxy(target.endpoint ?? "");
    try {
      const b = new S3Backend({ ...target, endpoint: proxy.endpoint }, { maxAttempts: 2, requestTimeoutMs: 300 });
      proxy.stall = true;
      const t0 = Date.now();
      const err = await b.put("k", Buffer.from("v")).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err instanceof Error && err.message).toMatch(/S3 PutObject k .*ETIMEDOUT/);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(proxy.requests).toBe(2);
    } finally {
      await proxy.close();
    }
  });

  it("an aborted signal cancels requests in flight and refuses new ones (ECANCELED)", async () => {
    const ac = new AbortController();
    const b = new S3Backend(await newBucket(), { signal: ac.signal });
    await b.put("k", randomBytes(1000));
    const inFlight = b.get("k");
    ac.abort();
    expect(["ECANCELED", undefined]).toContain(await code(inFlight)); // may have finished first
    expect(await code(b.get("k"))).toBe("ECANCELED");
    expect(await code(b.put("k2", Buffer.from("x")))).toBe("ECANCELED");
  });

  it("credentials never appear in the backend's JSON, inspection or error messages", async () => {
    const target = await newBucket();
    const secret = target.credentials.secretAccessKey;
    const b = new S3Backend(target);
    expect(JSON.stringify(b)).not.toContain(secret);
    expect(inspect(b, { depth: 5, showHidden: true })).not.toContain(secret);
    const wrong = new S3Backend({ ...target, credentials: { ...target.credentials, secretAccessKey: `${secret}x` } }, { maxAttempts: 1 });
    const s = ProtectionStore.openOn(wrong);
    const err = await s.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreIoError);
    expect(err instanceof StoreIoError && err.errno).toBe("EACCES");
    expect(String(err instanceof Error ? `${err.message} ${err.stack}` : err)).not.toContain(secret);
  });
});

function listClient(target: Parameters<typeof makeS3Client>[0]) {
  return makeS3Client(target, {});
}
