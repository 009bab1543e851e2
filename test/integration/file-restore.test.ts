// File-level restore over real HTTP, a real lab disk holding ext4 and real chunk stores: the
// browse call lists a copy's directories (paged, scoped to the workspace, clear 4xx), and
// restore-files brings files and folders back byte-exact with their mode and time, from a backup
// and from a snapshot, with each fileRestoreMethod, into the VM or another one; the cached disk
// image goes when the copy is deleted.
import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Ext4Files } from "../../src/connectors/guest-files/ext4-files.ts";
import type { LabConnector } from "../../src/connectors/lab/lab-connector.ts";
import { lockPath } from "../../src/connectors/lab/disk-files.ts";
import { withLock } from "../../src/connectors/lab/file-lock.ts";
import { findDisk, findVm, loadLabState } from "../../src/connectors/lab/lab-state.ts";
import type { GuestFile } from "../../src/services/ports/guest-files.ts";
import type { VirtualMachine } from "../../src/services/ports/hypervisor-connector.ts";
import { JOB_PROTECTION_RUN, type ProtectionRunPayload, type RunTier } from "../../src/services/protection/run-request.ts";
import { OPERATIONS, POLICIES, expectContract, expectError, json, policyBody } from "../helpers/greenlake.ts";
import { MiB, type Operation, createSmallLab, registerLab, waitOperation } from "../helpers/inventory.ts";
import { type StorePair, storesOf } from "../helpers/stores.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

const VMS = "/backup-recovery/v1beta1/virtual-machines";
const T0 = "2026-11-25T03:00:00.000Z";
const LOG = Buffer.concat(Array.from({ length: 3000 }, (_, i) => Buffer.from(`2026-11-25 line ${i} of the application log\n`)));
const DATA = createHash("sha512").update("data").digest();

let server: TestServer;
let lab: LabConnector;
let vm: VirtualMachine;
let other: VirtualMachine;
let stores: StorePair;
let policyId: string;
let work: string;
let backupId: string;

/** Holds the lab's lock on the VM's first disk, so that a restore into it waits, until the returned release. */
async function holdDisk(target: VirtualMachine): Promise<() => Promise<void>> {
  const state = await loadLabState(lab.labDir);
  const diskFile = join(lab.labDir, findDisk(findVm(state, target.id), target.disks[0]!.id).file);
  let release!: () => void;
  const held = new Promise<void>((r) => {
    release = r;
  });
  const locked = withLock(lockPath(diskFile), () => held);
  return async () => {
    release();
    await locked;
  };
}
let snapshotId: string;
const fs = new Ext4Files();

interface Entry {
  name: string;
  path: string;
  type: string;
  sizeInBytes: number;
  modifiedAt: string;
}

beforeAll(async () => {
  server = await startTestServer();
  work = await mkdtemp(join(tmpdir(), "obr-flr-test-"));
  const small = await createSmallLab(server, "flr", 1);
  lab = small.lab;
  vm = await lab.createVm({ name: "files-01", disks: [{ capacityBytes: 24 * MiB }, { capacityBytes: 4 * MiB }], powerOn: true });
  other = await lab.createVm({ name: "files-02", disks: [{ capacityBytes: 16 * MiB }], powerOn: true });
  await lab.formatDisk(vm.id, vm.disks[0]!.id, [
    { path: "/etc/hostname", data: Buffer.from("files-01\n"), modifiedAt: T0 },
    { path: "/etc/app.conf", data: Buffer.from("mode=prod\n"), mode: 0o600, modifiedAt: T0 },
    { path: "/var/log/app.log", data: LOG, modifiedAt: T0 },
    { path: "/var/log/old/app.log.1", data: DATA, modifiedAt: T0 },
    { path: "/home/alice/notes.txt", data: Buffer.from("notes\n"), modifiedAt: T0 },
    { path: "/home/alice/link", linkTarget: "notes.txt" },
  ]);
  await lab.formatDisk(other.id, other.disks[0]!.id, [{ path: "/etc/hostname", data: Buffer.from("files-02\n") }]);
  await registerLab(server, small.address);
  stores = await storesOf(server);
  policyId = (await json<{ id: string }>(await server.api(POLICIES, { method: "POST", json: policyBody("flr", { stores }) }), 200)).id;
  // A snapshot and a backup of the original files.
  const base = { lockFor: null, consistency: "CRASH" as const, backupGranularity: "VMWARE_CBT" as const, verify: true };
  const tiers: RunTier[] = [
    { ...base, scheduleId: 1, protectionType: "SNAPSHOT", protectionStoreId: null, expireAfter: { unit: "DAYS", value: 2 }, sourceScheduleId: null },
    { ...base, scheduleId: 2, protectionType: "BACKUP", protectionStoreId: stores.onPremises, expireAfter: { unit: "WEEKS", value: 4 }, sourceScheduleId: 1 },
  ];
  const payload: ProtectionRunPayload = { protectionJobId: randomUUID(), policyId, assetId: vm.id, assetType: "hybrid-cloud/virtual-machine", fullBackup: false, trigger: "ON_DEMAND", tiers };
  const op = await server.services.operations.create({ customerId: server.admin.workspaceId, userId: server.admin.clientId, name: `Protect ${vm.name}`, jobType: JOB_PROTECTION_RUN, payload });
  server.services.worker.wake();
  const run = await waitOperation(server, `${OPERATIONS}/${op.id}`);
  expect(run.state, JSON.stringify(run)).toBe("SUCCEEDED");
  backupId = (await json<{ items: { id: string }[] }>(await server.api(`${VMS}/${vm.id}/backups`), 200)).items[0]!.id;
  snapshotId = (await json<{ items: { id: string }[] }>(await server.api(`${VMS}/${vm.id}/snapshots`), 200)).items[0]!.id;
  // After the backup the guest changes its configuration.
  await lab.writeGuestFiles(vm.id, vm.disks[0]!.id, [{ path: "/etc/app.conf", data: Buffer.from("mode=broken\n"), modifiedAt: "2026-12-01T00:00:00.000Z" }]);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

/** The VM's first disk as it is now, as an image file. */
async function liveImage(id: string): Promise<string> {
  const found = await lab.getVm(id);
  const disk = found.disks[0]!;
  const path = join(work, `${randomUUID()}.img`);
  await writeFile(path, await lab.readDisk(id, disk.id, 0, disk.capacityBytes));
  return path;
}

/** A file of the VM's live file system: its facts and content (undefined when absent). */
async function guestFile(id: string, path: string): Promise<{ file: GuestFile; data: Buffer } | undefined> {
  const image = await liveImage(id);
  const [file] = await fs.stat(image, [path]);
  if (!file) return undefined;
  if (file.type !== "file") return { file, data: Buffer.alloc(0) };
  const to = `${image}.out`;
  await fs.extract(image, [{ path, to }]);
  return { file, data: await readFile(to) };
}

const browse = (query: string, vmId = vm.id, copyId = backupId, token?: string) =>
  server.api(`/obr/v1/virtual-machines/${vmId}/copies/${copyId}/files${query}`, token ? { token } : {});

async function restoreFiles(body: Record<string, unknown>, vmId = vm.id): Promise<Operation & { logMessages: { message: string }[]; progressPercent: number }> {
  const res = await server.api(`${VMS}/${vmId}/restore-files`, { method: "POST", json: body });
  expect(res.status, await res.clone().text()).toBe(202);
  expectContract("backup-recovery", "EmptyResponse", await res.json());
  const op = await waitOperation(server, res.headers.get("location")!);
  return json(await server.api(`${OPERATIONS}/${op.id}`), 200);
}

describe("browsing a copy's files", () => {
  test("lists a directory of a backup and of a snapshot: directories first, sizes and times, paged", async () => {
    const root = await json<{ items: Entry[]; total: number; count: number; offset: number }>(await browse(""), 200);
    expect(root.items.map((e) => [e.name, e.type])).toEqual([
      ["etc", "directory"],
      ["home", "directory"],
      ["lost+found", "directory"],
      ["var", "directory"],
    ]);
    const etc = await json<{ items: Entry[] }>(await browse("?path=/etc"), 200);
    expect(etc.items).toEqual([
      { name: "app.conf", path: "/etc/app.conf", type: "file", sizeInBytes: 10, modifiedAt: T0 },
      { name: "hostname", path: "/etc/hostname", type: "file", sizeInBytes: 9, modifiedAt: T0 },
    ]);
    const page = await json<{ items: Entry[]; total: number; count: number; offset: number }>(await browse("?path=/var/log&limit=1&offset=1"), 200);
    expect(page).toMatchObject({ total: 2, count: 1, offset: 1, items: [{ name: "app.log", sizeInBytes: LOG.length }] });
    const home = await json<{ items: Entry[] }>(await browse("?path=/home/alice/", vm.id, snapshotId), 200);
    expect(home.items.map((e) => [e.name, e.type])).toEqual([
      ["link", "symlink"],
      ["notes.txt", "file"],
    ]);
  });

  test("a bad path, a file, a disk without a file system or out of range: 400; a missing path, another VM's or workspace's copy: 404", async () => {
    expect((await expectError(await browse("?path=etc"), 400)).message).toContain("not an absolute path");
    expect((await expectError(await browse("?path=/etc/../root"), 400)).message).toContain("is not a file name");
    expect((await expectError(await browse("?path=/etc/app.conf"), 400)).message).toContain("not a directory");
    expect((await expectError(await browse("?path=/nowhere"), 404)).message).toContain("no '/nowhere'");
    expect((await expectError(await browse("?disk=1"), 400)).message).toContain("holds no file system obr can read");
    expect((await expectError(await browse("?disk=2"), 400)).message).toContain("disk(s)");
    expect((await expectError(await browse("?limit=1001"), 400)).httpStatusCode).toBe(400);
    await expectError(await browse("", other.id), 404);
    await expectError(await browse("", vm.id, randomUUID()), 404);
    const stranger = await server.client("admin");
    await expectError(await browse("", vm.id, backupId, stranger.token), 404);
  });
});

describe("restore-files", () => {
  test("OVERWRITE from the backup puts a changed file back byte-exact, with its mode and time; progress ends at 100", async () => {
    expect((await guestFile(vm.id, "/etc/app.conf"))?.data.toString()).toBe("mode=broken\n");
    const op = await restoreFiles({ backupId, fileRestoreMethod: "OVERWRITE", filePathInfo: [{ absoluteSourcePath: "/etc/app.conf" }], targetInfo: {} });
    expect(op.state, JSON.stringify(op)).toBe("SUCCEEDED");
    expect(op.progressPercent).toBe(100);
    expect(op.logMessages.map((m) => m.message).join("\n")).toContain("restored 1 file(s) (10 bytes)");
    const back = await guestFile(vm.id, "/etc/app.conf");
    expect(back?.data.toString()).toBe("mode=prod\n");
    expect(back?.file).toMatchObject({ mode: 0o600, modifiedAt: T0 });
  });

  test("a folder, recursively, from the snapshot into another VM, with its original structure under the target path", async () => {
    const op = await restoreFiles(
      {
        snapshotId,
        fileRestoreMethod: "OVERWRITE",
        filePathInfo: [{ absoluteSourcePath: "/var/log", absoluteTargetPath: "/restored" }, { absoluteSourcePath: "/home/alice", absoluteTargetPath: "/restored" }],
        retainOriginalDirectoryStructure: true,
        targetInfo: { virtualMachineId: other.id, credentialsInfo: { username: "root", password: "unused" } },
      },
      vm.id,
    );
    expect(op.state, JSON.stringify(op)).toBe("SUCCEEDED");
    expect((await guestFile(other.id, "/restored/var/log/app.log"))?.data.equals(LOG)).toBe(true);
    expect((await guestFile(other.id, "/restored/var/log/old/app.log.1"))?.data.equals(DATA)).toBe(true);
    expect((await guestFile(other.id, "/restored/home/alice/link"))?.file).toMatchObject({ type: "symlink", linkTarget: "notes.txt" });
    const logDir = (await json<{ items: Entry[] }>(await browse("?path=/var", vm.id, snapshotId), 200)).items.find((e) => e.name === "log");
    expect((await guestFile(other.id, "/restored/var/log"))?.file).toMatchObject({ type: "directory", modifiedAt: logDir?.modifiedAt });
    expect((await guestFile(other.id, "/etc/hostname"))?.data.toString()).toBe("files-02\n");
  });

  test("KEEPASBACKUP keeps the file there and writes the restored one as <name>_<timestamp>; SKIP keeps what exists and adds what is missing", async () => {
    await lab.writeGuestFiles(vm.id, vm.disks[0]!.id, [{ path: "/etc/app.conf", data: Buffer.from("mode=local\n") }]);
    const kept = await restoreFiles({ backupId, fileRestoreMethod: "KEEPASBACKUP", filePathInfo: [{ absoluteSourcePath: "/etc" }], targetInfo: { virtualMachineId: vm.id } });
    expect(kept.state, JSON.stringify(kept)).toBe("SUCCEEDED");
    const image = await liveImage(vm.id);
    const names = (await fs.list(image, "/etc")).map((e) => e.name).sort();
    const stamped = names.filter((n) => /^app\.conf_\d{8}T\d{6}Z$/.test(n));
    expect(stamped).toHaveLength(1);
    expect(names.filter((n) => n.startsWith("hostname_"))).toHaveLength(1);
    expect((await guestFile(vm.id, "/etc/app.conf"))?.data.toString()).toBe("mode=local\n");
    expect((await guestFile(vm.id, `/etc/${stamped[0]}`))?.data.toString()).toBe("mode=prod\n");

    await lab.writeGuestFiles(vm.id, vm.disks[0]!.id, [{ path: "/copy/etc/hostname", data: Buffer.from("mine\n") }]);
    const skip = await restoreFiles({ backupId, fileRestoreMethod: "SKIP", filePathInfo: [{ absoluteSourcePath: "/etc", absoluteTargetPath: "/copy" }], retainOrignalDirectoryStructure: false, targetInfo: {} });
    expect(skip.state, JSON.stringify(skip)).toBe("SUCCEEDED");
    expect((await guestFile(vm.id, "/copy/etc/hostname"))?.data.toString()).toBe("mine\n");
    expect((await guestFile(vm.id, "/copy/etc/app.conf"))?.data.toString()).toBe("mode=prod\n");
    expect(skip.logMessages.map((m) => m.message).join("\n")).toContain("skipped 1");
  });

  test("bad bodies and paths: 400; a missing copy or target VM, another workspace's VM: 404; a second restore into a VM being written: 409; nothing changes", async () => {
    const body = { backupId, fileRestoreMethod: "OVERWRITE", filePathInfo: [{ absoluteSourcePath: "/etc/hostname" }], targetInfo: {} };
    const post = (b: unknown, vmId = vm.id, token?: string) => server.api(`${VMS}/${vmId}/restore-files`, { method: "POST", json: b, ...(token ? { token } : {}) });
    const before = await stat(await liveImage(vm.id));
    expect((await expectError(await post({ ...body, snapshotId }), 400)).message).toContain("exactly one of snapshotId and backupId");
    expect((await expectError(await post({ ...body, filePathInfo: [{ absoluteSourcePath: "etc/hostname" }] }), 400)).message).toContain("filePathInfo[0].absoluteSourcePath");
    expect((await expectError(await post({ ...body, filePathInfo: [{ absoluteSourcePath: "/etc/hostname", absoluteTargetPath: "/tmp/../x" }] }), 400)).message).toContain("absoluteTargetPath");
    expect((await expectError(await post({ ...body, filePathInfo: [{ absoluteSourcePath: "/etc/nothing" }] }), 400)).message).toContain("no '/etc/nothing'");
    expect((await expectError(await post({ ...body, filePathInfo: [] }), 400)).httpStatusCode).toBe(400);
    expect((await expectError(await post({ ...body, fileRestoreMethod: "MERGE" }), 400)).httpStatusCode).toBe(400);
    await expectError(await post({ ...body, backupId: randomUUID() }), 404);
    await expectError(await post({ ...body, targetInfo: { virtualMachineId: randomUUID() } }), 404);
    const stranger = await server.client("admin");
    await expectError(await post(body, vm.id, stranger.token), 404);

    // While the first restore waits for the disk (the test holds the lab's disk lock), a second is refused.
    const release = await holdDisk(vm);
    const first = await post(body);
    try {
      expect(first.status).toBe(202);
      expect((await expectError(await post(body), 409)).message).toContain("is being written by file restore");
    } finally {
      await release();
    }
    expect((await waitOperation(server, first.headers.get("location")!)).state).toBe("SUCCEEDED");
    expect((await stat(await liveImage(vm.id))).size).toBe(before.size);
  });

  test("a file restore and a whole-VM restore of one VM never write at once: 409 while the VM is RESTORING, and one concurrency key with runs and restores", async () => {
    // The PARENT restore waits for the disk (the test holds the lab's disk lock): the VM stays RESTORING meanwhile.
    const release = await holdDisk(vm);
    const whole = await server.api(`${VMS}/${vm.id}/restore`, { method: "POST", json: { restoreType: "PARENT", backupId } });
    try {
      expect(whole.status).toBe(202);
      const body = { backupId, fileRestoreMethod: "OVERWRITE", filePathInfo: [{ absoluteSourcePath: "/etc/hostname" }], targetInfo: {} };
      const refused = await expectError(await server.api(`${VMS}/${vm.id}/restore-files`, { method: "POST", json: body }), 409);
      expect(refused.message).toContain("is being restored");
    } finally {
      await release();
    }
    expect((await waitOperation(server, whole.headers.get("location")!)).state).toBe("SUCCEEDED");
    const files = await server.api(`${VMS}/${vm.id}/restore-files`, {
      method: "POST",
      json: { backupId, fileRestoreMethod: "OVERWRITE", filePathInfo: [{ absoluteSourcePath: "/etc/hostname" }], targetInfo: {} },
    });
    expect(files.status).toBe(202);
    const id = files.headers.get("location")!.split("/").at(-1)!;
    const row = await sql<{ concurrency_key: string | null }>`select concurrency_key from async_operations where id = ${id}`.execute(server.services.database.db);
    expect(row.rows[0]?.concurrency_key).toBe(`protect:${vm.id}`);
    expect((await waitOperation(server, files.headers.get("location")!)).state).toBe("SUCCEEDED");
  });

  test("deleting the backup removes its cached disk image", async () => {
    const dir = join(server.dataDir, "flr", backupId);
    expect((await stat(dir)).isDirectory()).toBe(true);
    const res = await server.api(`${VMS}/${vm.id}/backups/${backupId}`, { method: "DELETE" });
    expect(res.status).toBe(202);
    expect((await waitOperation(server, res.headers.get("location")!)).state).toBe("SUCCEEDED");
    await expect(stat(dir)).rejects.toMatchObject({ code: "ENOENT" });
    expect(server.services.copyImages.cached().some((k) => k.startsWith(backupId))).toBe(false);
  });
});
