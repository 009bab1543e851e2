// VM snapshots and backups over real HTTP: copies reported through CopyRecords (as the protection
// run reports them) from real lab snapshots and real chunk store images, then listed, filtered,
// patched under the retention rules, refused while locked, deleted (the hypervisor snapshot and
// the store image go with the row), expired on a moved clock with the store's gc reclaiming the
// space, scoped to their VM and workspace, and counted by a store's delete.
import { randomUUID } from "node:crypto";
import { readdir, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { VirtualMachine } from "../../src/connectors/hypervisor-connector.ts";
import { locate, type ProtectionStoreDoc } from "../../src/services/infrastructure/protection-store-state.ts";
import type { CopyDisk, CopyRecord, NewBackup, NewSnapshot } from "../../src/services/protection/copy-records.ts";
import { describeContract } from "../helpers/contract.ts";
import { OPERATIONS, expectContract, expectError, json, until } from "../helpers/greenlake.ts";
import { MiB, type SmallLab, VIRT, createSmallLab, dataOrchestratorId, registerLab, waitOperation } from "../helpers/inventory.ts";
import { STORES, storesOf } from "../helpers/stores.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

const VMS = "/backup-recovery/v1beta1/virtual-machines";
const DAY = 86_400_000;

/** The server's one clock, moved by the tests (expiry, locks). */
let offset = 0;
const clock = { now: () => Date.now() + offset };
const iso = (ms: number) => new Date(ms).toISOString();

interface CopyDoc {
  id: string;
  name: string;
  state: string;
  generation: number;
  expiresAt?: string;
  lockedUntil?: string;
  description?: string;
  [key: string]: unknown;
}
interface Page {
  items: CopyDoc[];
  count: number;
  offset: number;
  total: number;
}

describeContract("VM snapshots and backups", () => {
  let server: TestServer;
  let small: SmallLab;
  let ws: string;
  let stores: { onPremises: string; cloud: string };
  let vm: VirtualMachine;
  let other: VirtualMachine;

  beforeAll(async () => {
    server = await startTestServer({}, { clock });
    ws = server.admin.workspaceId;
    small = await createSmallLab(server, "copies", 2);
    await registerLab(server, small.address);
    [vm, other] = small.vms as [VirtualMachine, VirtualMachine];
    // Data on the first VM's disk, so its backups hold chunks.
    await small.lab.writeDisk(vm.id, vm.disks[0]!.id, 0, Buffer.alloc(MiB, 7));
    await small.lab.writeDisk(vm.id, vm.disks[0]!.id, MiB, Buffer.from(randomUUID().repeat(1000)));
    stores = await storesOf(server);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  const origin = (target: VirtualMachine, scheduleId: number | null = null) => ({
    customerId: ws,
    assetId: target.id,
    operationId: randomUUID(),
    createdBy: { id: randomUUID(), name: server.admin.clientId },
    protectionJobId: null,
    policy: null,
    scheduleId,
    dataOrchestratorId: dataOrchestratorId(ws),
  });
  const vmConfig = (target: VirtualMachine) => ({
    name: target.name,
    numCpus: target.numCpus,
    coresPerSocket: target.coresPerSocket,
    memoryMib: target.memoryMib,
    guestOsName: target.guest.osName,
    powerState: target.powerState,
    hostId: target.hostId,
    datastoreId: target.datastoreIds[0]!,
    networkIds: target.networkAdapters.map((n) => n.networkId),
  });
  const diskOf = (target: VirtualMachine, i: number, ref: string, changeId: string | null, extra: Partial<CopyDisk> = {}): CopyDisk => ({
    diskId: target.disks[i]!.id,
    key: target.disks[i]!.key,
    label: target.disks[i]!.label,
    capacityBytes: target.disks[i]!.capacityBytes,
    ref,
    changeId,
    ...extra,
  });

  interface Retention {
    name?: string;
    at?: number;
    expiresAt?: number | null;
    lockedUntil?: number | null;
    scheduleId?: number | null;
  }
  const retention = (o: Retention) => ({
    expiresAt: o.expiresAt == null ? null : iso(o.expiresAt),
    lockedUntil: o.lockedUntil == null ? null : iso(o.lockedUntil),
  });

  /** A real lab snapshot of the VM, reported as the run would. */
  async function addSnapshot(target: VirtualMachine, o: Retention = {}): Promise<CopyRecord> {
    const snap = await small.lab.createSnapshot(target.id);
    const report: NewSnapshot = {
      origin: origin(target, o.scheduleId ?? null),
      name: o.name ?? `snap-${snap.id.slice(0, 8)}`,
      pointInTime: iso(o.at ?? clock.now()),
      consistency: "CRASH",
      ...retention(o),
      vmConfig: vmConfig(target),
      disks: snap.disks.map((d, i) => diskOf(target, i, snap.id, d.changeId)),
    };
    return server.services.copies.addSnapshot(report);
  }

  async function imageStore(storeId: string) {
    const doc = await server.services.stores.repository.get<ProtectionStoreDoc>(ws, storeId);
    const location = await locate(server.services.stores, doc!);
    return server.services.storeRegistry.open(storeId, location!);
  }

  /** The VM's disks through a real lab snapshot into the store's images, reported as a backup. */
  async function addBackup(target: VirtualMachine, storeId: string, o: Retention & { source?: CopyRecord } = {}): Promise<CopyRecord> {
    const snap = await small.lab.createSnapshot(target.id);
    const store = await imageStore(storeId);
    const disks: CopyDisk[] = [];
    for (const [i, d] of snap.disks.entries()) {
      const image = await store.backupImage(await small.lab.openSnapshotDisk(target.id, snap.id, d.diskId), { label: `test ${d.diskId}` });
      disks.push(diskOf(target, i, image.imageId, d.changeId, { storedBytes: image.storedBytes, newStoredBytes: image.newStoredBytes }));
    }
    await small.lab.deleteSnapshot(target.id, snap.id);
    const report: NewBackup = {
      origin: origin(target, o.scheduleId ?? null),
      name: o.name ?? `backup-${disks[0]!.ref.slice(0, 8)}`,
      pointInTime: iso(o.at ?? clock.now()),
      consistency: "CRASH",
      ...retention(o),
      vmConfig: vmConfig(target),
      disks,
      backupType: storeId === stores.cloud ? "CLOUD_BACKUP" : "BACKUP",
      protectionStoreId: storeId,
      sourceCopy: o.source ? { kind: o.source.kind, id: o.source.id } : null,
      full: true,
      backupGranularity: "VOLUME",
      generation: 1,
    };
    return server.services.copies.addBackup(report);
  }

  const path = (kind: "snapshots" | "backups", target: VirtualMachine, id?: string) => `${VMS}/${target.id}/${kind}${id ? `/${id}` : ""}`;
  const getCopy = async (kind: "snapshots" | "backups", target: VirtualMachine, id: string) => {
    const doc = await json<CopyDoc>(await server.api(path(kind, target, id)), 200);
    expectContract("backup-recovery", kind === "backups" ? "VirtualMachineBackup" : "VirtualMachineSnapshot", doc);
    return doc;
  };
  const listCopies = async (kind: "snapshots" | "backups", target: VirtualMachine, query = "") => {
    const page = await json<Page>(await server.api(`${path(kind, target)}${query}`), 200);
    expectContract("backup-recovery", kind === "backups" ? "VirtualMachineBackupList" : "VirtualMachineSnapshotList", page);
    return page;
  };
  const patch = (kind: "snapshots" | "backups", target: VirtualMachine, id: string, body: unknown, headers: Record<string, string> = {}) =>
    server.api(path(kind, target, id), { method: "PATCH", json: body, headers: { "content-type": "application/merge-patch+json", ...headers } });
  const remove = (kind: "snapshots" | "backups", target: VirtualMachine, id: string) => server.api(path(kind, target, id), { method: "DELETE" });
  const operationOf = async (res: Response) => {
    const text = await res.text();
    expect(res.status, text).toBe(202);
    expect(JSON.parse(text)).toEqual({});
    return waitOperation(server, res.headers.get("location")!);
  };
  const recoveryPoints = async (target: VirtualMachine) => (await json<{ recoveryPointsExist?: boolean }>(await server.api(`${VIRT}/virtual-machines/${target.id}`), 200)).recoveryPointsExist;

  it("a reported copy is listed with its measured facts, once per operation, and sets the VM's recoveryPointsExist", async () => {
    expect(await recoveryPoints(other)).toBe(false);
    const snap = await addSnapshot(other, { name: "only-snap" });
    expect(await recoveryPoints(other)).toBe(true);
    const doc = await getCopy("snapshots", other, snap.id);
    expect(doc).toMatchObject({
      name: "only-snap",
      state: "OK",
      status: "OK",
      snapshotType: "SNAPSHOT",
      consistency: "CRASH",
      type: "backup-recovery/virtual-machine-snapshot",
      resourceUri: path("snapshots", other, snap.id),
      assetInfo: { id: other.id, name: other.name },
      sizeInBytes: other.disks.reduce((n, d) => n + d.capacityBytes, 0),
    });
    expect(doc.virtualDisks).toHaveLength(other.disks.length);
    // Private parts (hypervisor snapshot ids, change ids) never reach a response.
    expect(JSON.stringify(doc)).not.toContain(snap.disks[0]!.ref);
    expect(JSON.stringify(doc)).not.toContain("changeId");

    const backup = await addBackup(vm, stores.onPremises, { name: "first-backup" });
    const bdoc = await getCopy("backups", vm, backup.id);
    expect(bdoc).toMatchObject({ backupType: "BACKUP", fullBackup: true, backupGeneration: 1, verified: false, protectionStoreInfo: { id: stores.onPremises, name: "local store" } });
    expect(bdoc.storedSizeInBytes).toBeGreaterThan(0);
  });

  it("adding twice for one operation and disk set lists one copy", async () => {
    const snap = await small.lab.createSnapshot(other.id);
    const report: NewSnapshot = {
      origin: origin(other),
      name: "twice",
      pointInTime: iso(clock.now()),
      consistency: "CRASH",
      expiresAt: null,
      lockedUntil: null,
      vmConfig: vmConfig(other),
      disks: snap.disks.map((d, i) => diskOf(other, i, snap.id, d.changeId)),
    };
    const a = await server.services.copies.addSnapshot(report);
    const b = await server.services.copies.addSnapshot(report);
    expect(b.id).toBe(a.id);
    expect((await listCopies("snapshots", other, "?filter=name eq 'twice'")).total).toBe(1);
  });

  it("lists filter on every attribute of the contract, sort and select", async () => {
    const t0 = clock.now() - 10 * DAY;
    const a = await addBackup(vm, stores.onPremises, { name: "filter-a", at: t0, expiresAt: t0 + 30 * DAY, scheduleId: 1 });
    const b = await addBackup(vm, stores.cloud, { name: "filter-b", at: t0 + DAY, expiresAt: t0 + 60 * DAY, source: a, scheduleId: 2 });
    const names = async (query: string) => (await listCopies("backups", vm, `?${query}`)).items.map((i) => i.name);
    const f = (expr: string) => `filter=${encodeURIComponent(expr)}`;
    expect(await names(f("backupType eq 'CLOUD_BACKUP'"))).toEqual(["filter-b"]);
    expect(await names(`${f(`sourceCopyInfo/id eq '${a.id}'`)}`)).toEqual(["filter-b"]);
    expect(await names(`${f(`protectionStoreInfo/id eq '${stores.onPremises}' and startswith(name,'filter-')`)}`)).toEqual(["filter-a"]);
    expect(await names(`${f("protectionStoreInfo/name eq 'cloud store'")}`)).toEqual(["filter-b"]);
    expect(await names(`${f(`pointInTime lt '${iso(t0 + DAY / 2)}' and startswith(name,'filter-')`)}`)).toEqual(["filter-a"]);
    expect(await names(`${f(`expiresAt gt '${iso(t0 + 40 * DAY)}'`)}`)).toEqual(["filter-b"]);
    expect(await names(`${f("startswith(name,'filter-') and state eq 'OK' and status eq 'OK' and verified eq false")}&sort=${encodeURIComponent("pointInTime desc")}`)).toEqual([
      "filter-b",
      "filter-a",
    ]);
    expect(await names(`${f(`createdByInfo/name eq '${server.admin.clientId}' and startswith(name,'filter-')`)}&sort=name`)).toEqual(["filter-a", "filter-b"]);
    expect(await names(`${f(`dataOrchestratorInfo/id eq '${dataOrchestratorId(ws)}' and startswith(name,'filter-')`)}&sort=name`)).toEqual(["filter-a", "filter-b"]);
    const stored = await server.services.stores.repository.get<ProtectionStoreDoc>(ws, stores.onPremises);
    expect(await names(`${f(`storageSystemInfo/id eq '${stored!.storageSystemInfo!.id}' and startswith(name,'filter-')`)}`)).toEqual(["filter-a"]);
    expect(await names(f("scheduleInfo/scheduleId eq 2"))).toEqual(["filter-b"]);
    // A selection drops what the schema requires (type): it is checked for its shape only.
    const selected = await json<Page>(await server.api(`${path("backups", vm)}?${f("name eq 'filter-b'")}&select=id,name,sourceCopyInfo/id`), 200);
    expect(selected.items).toEqual([{ id: b.id, name: "filter-b", sourceCopyInfo: { id: a.id } }]);
    // A filter on an attribute the copy does not have is a 400 that names it.
    await expectError(await server.api(`${path("backups", vm)}?${f("noSuchField eq 1")}`), 400);
    // Snapshots: their own attributes.
    expect((await listCopies("snapshots", other, `?${f("snapshotType eq 'SNAPSHOT' and consistency eq 'CRASH'")}`)).total).toBeGreaterThan(0);
  });

  it("another VM's copy, another workspace's VM or copy: 404, and nothing changes", async () => {
    const snap = await addSnapshot(vm, { name: "scoped" });
    await expectError(await server.api(path("snapshots", other, snap.id)), 404);
    await expectError(await patch("snapshots", other, snap.id, { name: "hijack" }), 404);
    await expectError(await remove("snapshots", other, snap.id), 404);
    await expectError(await server.api(path("backups", vm, snap.id)), 404);
    await expectError(await server.api(`${VMS}/${randomUUID()}/snapshots`), 404);
    const stranger = await server.client("admin");
    await expectError(await server.api(path("snapshots", vm), { token: stranger.token }), 404);
    await expectError(await server.api(path("snapshots", vm, snap.id), { token: stranger.token }), 404);
    await expectError(await server.api(path("snapshots", vm, snap.id), { method: "DELETE", token: stranger.token }), 404);
    expect((await getCopy("snapshots", vm, snap.id)).name).toBe("scoped");
  });

  it("PATCH: 202 with the change in force at once; lockedUntil only grows, expiresAt never before it nor in the past", async () => {
    const now = clock.now();
    const snap = await addSnapshot(vm, { name: "patched", expiresAt: now + 7 * DAY, lockedUntil: now + 2 * DAY });
    const op = await operationOf(await patch("snapshots", vm, snap.id, { name: "renamed", description: "kept for audit", lockedUntil: iso(now + 5 * DAY) }));
    expect(op.state).toBe("SUCCEEDED");
    expect(op.associatedResources[0]?.resourceUri).toBe(path("snapshots", vm, snap.id));
    const doc = await getCopy("snapshots", vm, snap.id);
    expect(doc).toMatchObject({ name: "renamed", description: "kept for audit", lockedUntil: iso(now + 5 * DAY), expiresAt: iso(now + 7 * DAY) });

    const shorter = await expectError(await patch("snapshots", vm, snap.id, { lockedUntil: iso(now + 3 * DAY) }), 400);
    expect(shorter.message).toMatch(/extended, never shortened/);
    expect((await expectError(await patch("snapshots", vm, snap.id, { expiresAt: iso(now + 4 * DAY) }), 400)).message).toMatch(/before lockedUntil/);
    expect((await expectError(await patch("snapshots", vm, snap.id, { expiresAt: iso(now - DAY) }), 400)).message).toMatch(/in the past/);
    expect((await expectError(await patch("snapshots", vm, snap.id, { lockedUntil: iso(now + 9 * DAY) }), 400)).message).toMatch(/before lockedUntil/);
    await expectError(await patch("snapshots", vm, snap.id, { generation: 7 }), 400);
    await expectError(await patch("snapshots", vm, snap.id, { name: "stale" }, { "if-match": `"${doc.generation - 1}"` }), 412);
    expect(await getCopy("snapshots", vm, snap.id)).toMatchObject({ name: "renamed", lockedUntil: iso(now + 5 * DAY), generation: doc.generation });
  });

  it("a locked copy refuses DELETE (412) and a store delete even with force; once unlocked both proceed", async () => {
    const now = clock.now();
    const backup = await addBackup(vm, stores.cloud, { name: "locked-cloud", lockedUntil: now + DAY, expiresAt: now + 20 * DAY });
    const refused = await expectError(await remove("backups", vm, backup.id), 412);
    expect(refused.message).toMatch(/locked until/);
    const storeDelete = await server.api(`${STORES}/${stores.cloud}?force=true`, { method: "DELETE" });
    expect((await expectError(storeDelete, 400)).message).toMatch(/locked/);
    expect((await getCopy("backups", vm, backup.id)).state).toBe("OK");
  });

  it("DELETE removes the hypervisor snapshot or the store image, then the row; recoveryPointsExist follows", async () => {
    const lonely = small.vms[1]!;
    const list = await listCopies("snapshots", lonely);
    for (const item of list.items) expect((await operationOf(await remove("snapshots", lonely, item.id))).state).toBe("SUCCEEDED");
    expect(await recoveryPoints(lonely)).toBe(false);
    expect(await small.lab.listSnapshots(lonely.id)).toEqual([]);

    const snap = await addSnapshot(lonely, { name: "to-delete" });
    expect(await recoveryPoints(lonely)).toBe(true);
    const op = await operationOf(await remove("snapshots", lonely, snap.id));
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    await expectError(await server.api(path("snapshots", lonely, snap.id)), 404);
    expect(await small.lab.listSnapshots(lonely.id)).toEqual([]);
    expect(await recoveryPoints(lonely)).toBe(false);

    const backup = await addBackup(vm, stores.onPremises, { name: "image-goes" });
    const store = await imageStore(stores.onPremises);
    expect(await store.image(backup.disks[0]!.ref)).toBeDefined();
    expect((await operationOf(await remove("backups", vm, backup.id))).state).toBe("SUCCEEDED");
    expect(await store.image(backup.disks[0]!.ref)).toBeUndefined();
    await expectError(await server.api(path("backups", vm, backup.id)), 404);
  });

  it("a cloud backup made from an on-premises backup does not hold it: the source deletes, the copy stays", async () => {
    const source = await addBackup(vm, stores.onPremises, { name: "source-onprem" });
    const copy = await addBackup(vm, stores.cloud, { name: "cloud-of-source", source });
    expect((await operationOf(await remove("backups", vm, source.id))).state).toBe("SUCCEEDED");
    expect(await getCopy("backups", vm, copy.id)).toMatchObject({ sourceCopyInfo: { id: source.id }, state: "OK" });
  });

  it("expiry: on the moved clock, expired unlocked copies are deleted once, locked ones wait, and the store's gc reclaims the space", async () => {
    const now = clock.now();
    // Each backup with data of its own, so deleting it leaves chunks no other backup needs.
    const fresh = () => small.lab.writeDisk(vm.id, vm.disks[0]!.id, 0, Buffer.from(Array.from({ length: 4096 }, () => randomUUID()).join("")));
    await fresh();
    const expiring = await addBackup(vm, stores.onPremises, { name: "expires-soon", expiresAt: now + DAY });
    await fresh();
    const locked = await addBackup(vm, stores.onPremises, { name: "locked-longer", expiresAt: now + DAY, lockedUntil: now + 3 * DAY });
    await fresh();
    const keep = await addBackup(vm, stores.onPremises, { name: "keeps", expiresAt: now + 30 * DAY });
    expect(await server.services.expiry.sweep()).toBe(0);

    offset += 2 * DAY;
    expect(await server.services.expiry.sweep()).toBe(1);
    expect(await server.services.expiry.sweep()).toBe(0); // queued once
    await until("the expired backup is gone", async () => ((await server.api(path("backups", vm, expiring.id))).status === 404 ? true : undefined));
    expect((await getCopy("backups", vm, locked.id)).state).toBe("OK");
    expect((await getCopy("backups", vm, keep.id)).state).toBe("OK");
    const store = await imageStore(stores.onPremises);
    expect(await store.image(expiring.disks[0]!.ref)).toBeUndefined();

    // The delete queued the store's gc. The store keeps the packs of the last 24 h (wall-clock
    // file times) for backups in flight: age them, as a day passing would, and gc reclaims.
    const gcOps = `${OPERATIONS}?filter=${encodeURIComponent(`name eq 'Reclaim space in protection store ${stores.onPremises}'`)}`;
    await until("the queued gc ended", async () => {
      const page = await json<{ items: { state: string }[] }>(await server.api(gcOps), 200);
      return page.items.length > 0 && page.items.every((o) => o.state === "SUCCEEDED") ? true : undefined;
    });
    const dir = join(server.dataDir, "systems");
    await ageFiles(dir, 2 * DAY);
    offset += 2 * DAY;
    expect(await server.services.expiry.sweep()).toBe(1); // the lock has passed now
    await until("the locked backup is gone", async () => ((await server.api(path("backups", vm, locked.id))).status === 404 ? true : undefined));
    const gc = await until("a gc reclaimed bytes", async () => {
      const page = await json<{ items: { state: string; logMessages: { message: string }[] }[] }>(
        await server.api(`${OPERATIONS}?filter=${encodeURIComponent(`name eq 'Reclaim space in protection store ${stores.onPremises}' and state eq 'SUCCEEDED'`)}`),
        200,
      );
      const reclaimed = page.items.flatMap((o) => o.logMessages.map((m) => /reclaimed (\d+) bytes/.exec(m.message)?.[1])).map(Number).filter((n) => n > 0);
      return reclaimed.length > 0 ? reclaimed : undefined;
    }, 20_000);
    // At least what one of the deleted backups added to the store comes back.
    const added = (c: CopyRecord) => c.disks.reduce((n, d) => n + (d.newStoredBytes ?? 0), 0);
    expect(Math.min(added(expiring), added(locked))).toBeGreaterThan(0);
    expect(Math.max(...gc)).toBeGreaterThanOrEqual(Math.min(added(expiring), added(locked)));
    expect((await getCopy("backups", vm, keep.id)).state).toBe("OK");
  }, 60_000);

  it("a forced store delete drops its unlocked copies with it; recoveryPointsExist follows", async () => {
    const doomed = await addBackup(other, stores.cloud, { name: "in-doomed-store" });
    // The locked cloud copy of an earlier test still blocks; move past its lock.
    offset += 5 * DAY;
    const storeDelete = await server.api(`${STORES}/${stores.cloud}?force=true`, { method: "DELETE" });
    const op = await operationOf(storeDelete);
    expect(op.state, JSON.stringify(op.error)).toBe("SUCCEEDED");
    await expectError(await server.api(path("backups", other, doomed.id)), 404);
    await expectError(await server.api(`${STORES}/${stores.cloud}`), 404);
  });
});

/** Sets every file's times `ageMs` into the past (a store's packs, as if written earlier). */
async function ageFiles(dir: string, ageMs: number): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const found = await stat(file).catch(() => undefined); // a lock file may come and go
    if (!found) continue;
    const { mtimeMs } = found;
    const when = new Date(mtimeMs - ageMs);
    await utimes(file, when, when).catch(() => undefined);
  }
}
