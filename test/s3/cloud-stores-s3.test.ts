// Cloud protection stores on S3 targets, over real HTTP against a real RGW: the storage locations
// are the configured ones, a create checks its bucket and fails saying why, a store lives under
// obr/<store id>/ of its bucket without showing or storing its credentials in the clear, and a
// locked cloud copy is kept by the bucket's Object Lock (COMPLIANCE): refused through the API
// and directly with the bucket's own credentials, until a short lock passes and the copy expires.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DeleteObjectCommand, GetObjectRetentionCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { S3Target } from "../../src/store/backends/s3.ts";
import { newBucket, testRgw } from "../../src/store/test-support/s3.ts";
import { expectContract, expectError, json, sleep, until } from "../helpers/greenlake.ts";
import { waitOperation } from "../helpers/inventory.ts";
import { STORES, createStore } from "../helpers/stores.ts";
import { VMS, type S3World, adminClient, backupAndCloud, backupsOf, runToEnd, s3World, targetFor, targetsFile, versionsUnder } from "./s3-fixture.ts";

const { skipReason } = testRgw();
const LOCATIONS = "/data-services/v1beta1/storage-locations";

describe.skipIf(Boolean(skipReason))(`cloud stores on S3${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  let locked: S3Target;
  let plain: S3Target;
  let w: S3World;
  let lockedAdmin: S3Client;
  let plainAdmin: S3Client;
  let file: { path: string; cleanup(): void };
  let lockedStore: string;
  let plainStore: string;

  beforeAll(async () => {
    locked = await newBucket({ kind: "object-lock" });
    plain = await newBucket();
    lockedAdmin = adminClient(locked);
    plainAdmin = adminClient(plain);
    file = targetsFile({
      "eu-west-1": targetFor(locked),
      "eu-central-1": targetFor(plain, { prefix: "team-a/" }),
      "eu-west-3": targetFor({ ...plain, bucket: "obr-no-such-bucket" }),
      "eu-north-1": targetFor(plain, { secretAccessKey: "not-the-secret" }),
    });
    w = await s3World(file.path, 12);
  });
  afterAll(async () => {
    lockedAdmin?.destroy();
    plainAdmin?.destroy();
    await w?.server.stop();
    file?.cleanup();
  });

  const storeOp = async (storageLocationId: string) => createStore(w.server, { protectionStoreType: "CLOUD", storageLocationId, displayName: `cloud ${storageLocationId}` });

  test("storage-locations lists exactly the locations with a target; a create elsewhere is a 400 that changes nothing", async () => {
    const body = await json<{ items: { id: string; cloudServiceProviderId: string }[]; total: number }>(await w.server.api(LOCATIONS), 200);
    expectContract("data-services", "ResponseListStorageLocations", body);
    expect(body.items.map((l) => l.id).sort()).toEqual(["aws:eu-central-1", "aws:eu-north-1", "aws:eu-west-1", "aws:eu-west-3"]);
    expect(body.total).toBe(4);
    const before = await json<{ total: number }>(await w.server.api(STORES), 200);
    const refused = await expectError(await w.server.api(STORES, { method: "POST", json: { protectionStoreType: "CLOUD", storageLocationId: "aws:us-west-2" } }), 400);
    expect(refused.message).toMatch(/not a storage location/);
    expect((await json<{ total: number }>(await w.server.api(STORES), 200)).total).toBe(before.total);
  });

  test("a create whose bucket is missing or refuses the credentials fails saying so", async () => {
    const missing = await storeOp("aws:eu-west-3");
    expect(missing.op.state).toBe("FAILED");
    expect(missing.op.error?.error).toMatch(new RegExp(`bucket obr-no-such-bucket on ${plain.endpoint}: no such bucket`));
    const denied = await storeOp("aws:eu-north-1");
    expect(denied.op.state).toBe("FAILED");
    expect(denied.op.error?.error).toMatch(new RegExp(`bucket ${plain.bucket} on ${plain.endpoint}: access denied`));
  });

  test("a store lives under obr/<store id>/ of its bucket (after the target's prefix); its document and files never show the credentials", async () => {
    const made = await storeOp("aws:eu-west-1");
    expect(made.op.state, JSON.stringify(made.op.error)).toBe("SUCCEEDED");
    lockedStore = made.id;
    expect(made.op.logMessages.map((m) => m.message).join("\n")).toMatch(/versioning Enabled, Object Lock enabled/);
    const inPlain = await storeOp("aws:eu-central-1");
    expect(inPlain.op.state, JSON.stringify(inPlain.op.error)).toBe("SUCCEEDED");
    plainStore = inPlain.id;
    expect(inPlain.op.logMessages.map((m) => m.message).join("\n")).toMatch(/versioning Disabled, no Object Lock/);
    expect((await versionsUnder(lockedAdmin, locked.bucket, `obr/${lockedStore}/`)).map((v) => v.Key)).toContain(`obr/${lockedStore}/config.json`);
    expect((await versionsUnder(plainAdmin, plain.bucket, `team-a/obr/${plainStore}/`)).map((v) => v.Key)).toContain(`team-a/obr/${plainStore}/config.json`);

    const res = await w.server.api(`${STORES}/${lockedStore}`);
    const text = await res.text();
    expect(res.status).toBe(200);
    const doc = JSON.parse(text);
    expectContract("backup-recovery", "ProtectionStoreDetail", doc);
    expect(doc).toMatchObject({ protectionStoreType: "CLOUD", state: "ONLINE", region: "eu-west-1", encrypted: true, storageLocationInfo: { id: "aws:eu-west-1" } });
    const secret = locked.credentials.secretAccessKey;
    expect(text).not.toContain(secret);
    expect(text).not.toContain(locked.credentials.accessKeyId);
    // kept wrapped beside the store's key, not in the clear anywhere in the data dir's keys
    const keysDir = join(w.server.dataDir, "keys");
    expect(readdirSync(keysDir)).toContain(`${lockedStore}.target`);
    for (const name of readdirSync(keysDir)) expect(readFileSync(join(keysDir, name), "utf8")).not.toContain(secret);
  });

  test("a cloud copy locked by its tier is kept by the bucket: the API refuses its delete (412) and the bucket refuses to delete a pack version (COMPLIANCE)", async () => {
    const tiers = backupAndCloud(w, lockedStore, { unit: "DAYS", value: 1 });
    const { parent, children } = await runToEnd(w, tiers);
    expect(parent.state, JSON.stringify(parent.error)).toBe("SUCCEEDED");
    const cloudLog = children[1]!.logMessages.map((m) => m.message).join("\n");
    expect(cloudLog).toMatch(/locked until .* by the store's Object Lock \(COMPLIANCE\): retention set on [1-9]\d* objects/);
    const cloud = (await backupsOf(w)).find((b) => b.backupType === "CLOUD_BACKUP" && b.protectionStoreInfo.id === lockedStore)!;
    expect(cloud.lockedUntil).toBeDefined();

    const refused = await expectError(await w.server.api(`${VMS}/${w.vm.id}/backups/${cloud.id}`, { method: "DELETE" }), 412);
    expect(refused.message).toMatch(/locked until/);
    const versions = await versionsUnder(lockedAdmin, locked.bucket, `obr/${lockedStore}/packs/`);
    expect(versions.length).toBeGreaterThan(0);
    const pack = versions[0]!;
    const retention = await lockedAdmin.send(new GetObjectRetentionCommand({ Bucket: locked.bucket, Key: pack.Key, VersionId: pack.VersionId }));
    expect(retention.Retention?.Mode).toBe("COMPLIANCE");
    expect(Math.abs((retention.Retention?.RetainUntilDate?.getTime() ?? 0) - Date.parse(cloud.lockedUntil!))).toBeLessThan(1000);
    await expect(lockedAdmin.send(new DeleteObjectCommand({ Bucket: locked.bucket, Key: pack.Key, VersionId: pack.VersionId }))).rejects.toMatchObject({ name: "AccessDenied" });
    await expect(lockedAdmin.send(new DeleteObjectCommand({ Bucket: locked.bucket, Key: pack.Key, VersionId: pack.VersionId, BypassGovernanceRetention: true }))).rejects.toMatchObject({ name: "AccessDenied" });
    // the store holding it refuses delete even with force
    expect((await expectError(await w.server.api(`${STORES}/${lockedStore}?force=true`, { method: "DELETE" }), 400)).message).toMatch(/locked/);
  });

  test("a short PATCHed lock is in the bucket before the copy says so; once it passes the copy expires and is deleted, and its objects can go", async () => {
    const { parent } = await runToEnd(w, backupAndCloud(w, lockedStore));
    expect(parent.state, JSON.stringify(parent.error)).toBe("SUCCEEDED");
    const all = await backupsOf(w);
    const cloud = all.filter((b) => b.backupType === "CLOUD_BACKUP" && b.protectionStoreInfo.id === lockedStore && b.lockedUntil === undefined).at(-1)!;
    const lockEnds = Date.now() + 5_000;
    const res = await w.server.api(`${VMS}/${w.vm.id}/backups/${cloud.id}`, {
      method: "PATCH",
      json: { lockedUntil: new Date(lockEnds).toISOString(), expiresAt: new Date(lockEnds + 1_000).toISOString() },
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const op = await waitOperation(w.server, res.headers.get("location")!);
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    expect(op.logMessages.map((m) => m.message).join("\n")).toMatch(/by the store's Object Lock \(COMPLIANCE\)/);
    const doc = await json<{ lockedUntil: string }>(await w.server.api(`${VMS}/${w.vm.id}/backups/${cloud.id}`), 200);
    expect(Date.parse(doc.lockedUntil)).toBe(lockEnds);
    // the copy's manifest version is retained until then: no administrator can delete it
    const record = (await w.server.services.copies.get(w.server.admin.workspaceId, "backup", cloud.id))!;
    const manifestKey = `obr/${lockedStore}/backups/${record.disks[0]!.ref}`;
    const [manifest] = await versionsUnder(lockedAdmin, locked.bucket, manifestKey);
    const deleteManifest = () => lockedAdmin.send(new DeleteObjectCommand({ Bucket: locked.bucket, Key: manifestKey, VersionId: manifest!.VersionId }));
    await expect(deleteManifest()).rejects.toMatchObject({ name: "AccessDenied" });
    await expectError(await w.server.api(`${VMS}/${w.vm.id}/backups/${cloud.id}`, { method: "DELETE" }), 412);

    // past the lock and the expiry: the expiry worker deletes the copy, and the bucket lets the version go
    await sleep(Math.max(0, lockEnds + 1_500 - Date.now()));
    await w.server.services.expiry.sweep();
    await until("the expired copy to be deleted", async () => ((await w.server.api(`${VMS}/${w.vm.id}/backups/${cloud.id}`)).status === 404 ? true : undefined), 30_000, 200);
    await deleteManifest();
    expect(await versionsUnder(lockedAdmin, locked.bucket, manifestKey)).toEqual([]);
  });

  test("in a bucket without Object Lock a lock is obr's alone and the log says so; deleting the store removes its whole prefix", async () => {
    const { parent, children } = await runToEnd(w, backupAndCloud(w, plainStore, { unit: "DAYS", value: 1 }));
    expect(parent.state, JSON.stringify(parent.error)).toBe("SUCCEEDED");
    expect(children[1]!.logMessages.map((m) => m.message).join("\n")).toMatch(/locked until .* by obr \(the store's bucket has no Object Lock/);
    expect((await versionsUnder(plainAdmin, plain.bucket, `team-a/obr/${plainStore}/packs/`)).length).toBeGreaterThan(0);
    expect((await expectError(await w.server.api(`${STORES}/${plainStore}?force=true`, { method: "DELETE" }), 400)).message).toMatch(/locked/);

    // an unlocked store goes with everything under its prefix, and only that
    const other = await storeOp("aws:eu-central-1");
    const { parent: run2 } = await runToEnd(w, backupAndCloud(w, other.id));
    expect(run2.state, JSON.stringify(run2.error)).toBe("SUCCEEDED");
    expect((await versionsUnder(plainAdmin, plain.bucket, `team-a/obr/${other.id}/`)).length).toBeGreaterThan(0);
    const res = await w.server.api(`${STORES}/${other.id}?force=true`, { method: "DELETE" });
    expect(res.status, await res.clone().text()).toBe(202);
    const op = await waitOperation(w.server, res.headers.get("location")!);
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    expect(await versionsUnder(plainAdmin, plain.bucket, `team-a/obr/${other.id}/`)).toEqual([]);
    expect((await versionsUnder(plainAdmin, plain.bucket, `team-a/obr/${plainStore}/`)).length).toBeGreaterThan(0);
    expect(readdirSync(join(w.server.dataDir, "keys"))).not.toContain(`${other.id}.target`);
  });
});
