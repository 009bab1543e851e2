import { randomUUID } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { ConnectorErrorKind } from "../connector-error.ts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Inventory } from "../hypervisor-connector.ts";
import { mutateLabState, nextMoref } from "./lab-state.ts";
import { MiB, type TestLab, createTestLab } from "./testing.ts";

// createDatastore, reconfigureVm and relocateVm of the lab connector: what each does, and each refusal.

let t: TestLab;
let inv: Inventory;
beforeEach(async () => {
  t = await createTestLab();
  inv = await t.lab.discover();
});
afterEach(() => t.cleanup());

const byName = <T extends { name: string }>(items: T[], name: string): T => items.find((i) => i.name === name)!;
const kind = (kind: ConnectorErrorKind) => ({ kind });

describe("createDatastore", () => {
  it("creates an empty datastore mounted by every host of the cluster", async () => {
    const cluster = inv.clusters[0]!;
    const ds = await t.lab.createDatastore({ name: "ds-new-01", type: "VMFS", capacityBytes: 512 * MiB, clusterId: cluster.id });
    expect(ds).toMatchObject({ name: "ds-new-01", type: "VMFS", capacityBytes: 512 * MiB, freeBytes: 512 * MiB, uncommittedBytes: 0, clusterId: cluster.id });
    expect(ds.hostIds).toEqual(cluster.hostIds);
    expect(ds.moref).toMatch(/^datastore-\d+$/);
    const after = await t.lab.discover();
    expect(after.datastores.find((d) => d.id === ds.id)).toEqual(ds);
    expect(after.clusters[0]!.datastoreIds).toContain(ds.id);
    expect(after.hosts.every((h) => h.datastoreIds.includes(ds.id))).toBe(true);
    expect((await stat(join(t.lab.labDir, "datastores", "ds-new-01"))).isDirectory()).toBe(true);
    const vm = await t.lab.createVm({ name: "on-new", datastoreId: ds.id, disks: [{ capacityBytes: MiB }] });
    expect(vm.disks[0]!.filePath).toMatch(/^\[ds-new-01\] /);
  });

  it("refuses a taken name (409), an unknown cluster and bad arguments (400)", async () => {
    const spec = { name: "ds-x", type: "VVOL" as const, capacityBytes: MiB, clusterId: inv.clusters[0]!.id };
    await expect(t.lab.createDatastore({ ...spec, name: "ds-nfs-01" })).rejects.toMatchObject(kind("conflict"));
    await expect(t.lab.createDatastore({ ...spec, clusterId: randomUUID() })).rejects.toMatchObject(kind("bad-argument"));
    for (const name of ["", "../escape", "a/b", ".hidden"]) await expect(t.lab.createDatastore({ ...spec, name })).rejects.toMatchObject(kind("bad-argument"));
    for (const capacityBytes of [0, -1, 1.5]) await expect(t.lab.createDatastore({ ...spec, capacityBytes })).rejects.toMatchObject(kind("bad-argument"));
    expect((await t.lab.discover()).datastores.map((d) => d.name)).toEqual(["ds-ssd-01", "ds-nfs-01"]);
  });
});

describe("reconfigureVm", () => {
  it("changes CPUs, cores per socket and memory of a powered-off VM", async () => {
    const vm = await t.lab.createVm({ name: "hw", numCpus: 4, coresPerSocket: 4, memoryMib: 2048, disks: [{ capacityBytes: MiB }] });
    const changed = await t.lab.reconfigureVm(vm.id, { numCpus: 6, coresPerSocket: 3, memoryMib: 6144 });
    expect(changed).toMatchObject({ id: vm.id, numCpus: 6, coresPerSocket: 3, memoryMib: 6144 });
    expect(await t.lab.getVm(vm.id)).toEqual(changed);
    // Cores per socket left out: kept, but never more than the new CPU count.
    expect(await t.lab.reconfigureVm(vm.id, { numCpus: 2 })).toMatchObject({ numCpus: 2, coresPerSocket: 2, memoryMib: 6144 });
    expect(await t.lab.reconfigureVm(vm.id, { memoryMib: 1024 })).toMatchObject({ numCpus: 2, coresPerSocket: 2, memoryMib: 1024 });
  });

  it("refuses an unknown VM (404), a VM not powered off (409) and bad numbers (400), changing nothing", async () => {
    const vm = await t.lab.createVm({ name: "hw", numCpus: 2, disks: [{ capacityBytes: MiB }] });
    await expect(t.lab.reconfigureVm(randomUUID(), { numCpus: 2 })).rejects.toMatchObject(kind("not-found"));
    await expect(t.lab.reconfigureVm(vm.id, { numCpus: 3, coresPerSocket: 2 })).rejects.toMatchObject(kind("bad-argument"));
    for (const change of [{ numCpus: -2 }, { coresPerSocket: -2 }, { memoryMib: 0.5 }]) {
      await expect(t.lab.reconfigureVm(vm.id, change)).rejects.toMatchObject(kind("bad-argument"));
    }
    await t.lab.powerVm(vm.id, "powerOn");
    await expect(t.lab.reconfigureVm(vm.id, { numCpus: 4 })).rejects.toMatchObject(kind("conflict"));
    await t.lab.powerVm(vm.id, "suspend");
    await expect(t.lab.reconfigureVm(vm.id, { memoryMib: 8192 })).rejects.toMatchObject(kind("conflict"));
    expect(await t.lab.getVm(vm.id)).toMatchObject({ numCpus: 2, coresPerSocket: 1, memoryMib: 4096 });
  });
});

describe("relocateVm", () => {
  /** Adds Cluster-02 (one host, its own datastore, ds-nfs-01 mounted too) and Cluster-03 (no host). */
  async function addClusters() {
    const nfs = byName(inv.datastores, "ds-nfs-01").id;
    await mutateLabState(t.lab.labDir, (state) => {
      const obj = (prefix: string, name: string) => ({ id: randomUUID(), moref: nextMoref(state, prefix), name });
      const datacenterId = state.datacenters[0]!.id;
      for (const [name, hostName] of [["Cluster-02", "esxi-03.lab.local"], ["Cluster-03", undefined]] as const) {
        const cluster = obj("domain-c", name);
        const pool = { ...obj("resgroup-", "Resources"), datacenterId, clusterId: cluster.id, parentId: null, childIds: [] };
        const template = state.hosts[0]!;
        const hosts = hostName ? [{ ...structuredClone(template), ...obj("host-", hostName), clusterId: cluster.id, datastoreIds: [nfs] }] : [];
        state.hosts.push(...hosts);
        state.resourcePools.push(pool);
        const hostIds = hosts.map((h) => h.id);
        state.clusters.push({ ...cluster, datacenterId, hostIds, networkIds: [], datastoreIds: [nfs], rootResourcePoolId: pool.id, cpuCapacityMhz: 0, memoryBytes: 0 });
      }
    });
    const c2 = byName((await t.lab.discover()).clusters, "Cluster-02");
    await t.lab.createDatastore({ name: "ds-c2", type: "VMFS", capacityBytes: 1024 * MiB, clusterId: c2.id });
    const after = await t.lab.discover();
    return { inv: after, c1: inv.clusters[0]!, c2, c3: byName(after.clusters, "Cluster-03"), dsC2: byName(after.datastores, "ds-c2"), host3: byName(after.hosts, "esxi-03.lab.local") };
  }

  it("moves a powered-off VM's home directory and disks to another datastore, keeping their data", async () => {
    const [ssd, nfs] = [byName(inv.datastores, "ds-ssd-01"), byName(inv.datastores, "ds-nfs-01")];
    const vm = await t.lab.createVm({ name: "mover", datastoreId: ssd.id, disks: [{ capacityBytes: 2 * MiB }, { capacityBytes: MiB }] });
    await t.lab.writeDisk(vm.id, vm.disks[1]!.id, 4096, Buffer.from("payload"));
    const moved = await t.lab.relocateVm(vm.id, { datastoreId: nfs.id, clusterId: inv.clusters[0]!.id });
    expect(moved.datastoreIds).toEqual([nfs.id]);
    expect(moved.configPath).toMatch(/^\[ds-nfs-01\] mover_[0-9a-f]{8}\/mover\.vmx$/);
    expect(moved.disks.map((d) => d.filePath)).toEqual(vm.disks.map((d) => d.filePath.replace("[ds-ssd-01]", "[ds-nfs-01]")));
    expect({ ...moved, disks: [], datastoreIds: [], configPath: "" }).toEqual({ ...vm, disks: [], datastoreIds: [], configPath: "" });
    expect(await t.lab.getVm(vm.id)).toEqual(moved);
    expect((await t.lab.readDisk(vm.id, vm.disks[1]!.id, 4096, 7)).toString()).toBe("payload");
    expect(await readdir(join(t.lab.labDir, "datastores", "ds-ssd-01"))).toEqual([]);
    // Already there: nothing to move, so it succeeds in any power state (a resumed migration).
    await t.lab.powerVm(vm.id, "powerOn");
    expect(await t.lab.relocateVm(vm.id, { datastoreId: nfs.id })).toMatchObject({ datastoreIds: [nfs.id], powerState: "poweredOn" });
  });

  it("moves a running VM to another host, resource pool or cluster", async () => {
    const { c2, host3 } = await addClusters();
    const nfs = byName(inv.datastores, "ds-nfs-01");
    const [host1, host2] = inv.hosts;
    const vm = await t.lab.createVm({ name: "vmotion", hostId: host1!.id, datastoreId: nfs.id, disks: [{ capacityBytes: MiB }], powerOn: true });
    expect((await t.lab.relocateVm(vm.id, { hostId: host2!.id })).hostId).toBe(host2!.id);
    const production = byName(inv.resourcePools, "Production");
    expect(await t.lab.relocateVm(vm.id, { resourcePoolId: production.id })).toMatchObject({ hostId: host2!.id, resourcePoolId: production.id });
    // A new cluster: its first host and root pool unless named; the storage stays.
    const moved = await t.lab.relocateVm(vm.id, { clusterId: c2.id });
    expect(moved).toMatchObject({ clusterId: c2.id, hostId: host3.id, resourcePoolId: c2.rootResourcePoolId, powerState: "poweredOn", datastoreIds: [nfs.id] });
    const back = await t.lab.relocateVm(vm.id, { hostId: host1!.id, resourcePoolId: production.id });
    expect(back).toMatchObject({ clusterId: inv.clusters[0]!.id, hostId: host1!.id, resourcePoolId: production.id });
  });

  it("moves a powered-off VM to another cluster and its datastore at once", async () => {
    const { c2, dsC2, host3 } = await addClusters();
    const vm = await t.lab.createVm({ name: "cross", datastoreId: byName(inv.datastores, "ds-ssd-01").id, disks: [{ capacityBytes: MiB }] });
    const moved = await t.lab.relocateVm(vm.id, { clusterId: c2.id, datastoreId: dsC2.id });
    expect(moved).toMatchObject({ clusterId: c2.id, hostId: host3.id, resourcePoolId: c2.rootResourcePoolId, datastoreIds: [dsC2.id] });
    expect(moved.disks[0]!.filePath).toMatch(/^\[ds-c2\] cross_/);
  });

  it("refuses unknown or mismatched targets (404, 400), changing nothing", async () => {
    const { c1, c2, dsC2, host3 } = await addClusters();
    const [ssd, nfs] = [byName(inv.datastores, "ds-ssd-01"), byName(inv.datastores, "ds-nfs-01")];
    const host2 = inv.hosts[1]!;
    await mutateLabState(t.lab.labDir, (state) => {
      state.hosts[1]!.datastoreIds = [nfs.id]; // Cluster-01 mounts ds-ssd-01, but not through this host
    });
    // On ds-nfs-01, which all hosts mount: each target below fails for the one reason given.
    const vm = await t.lab.createVm({ name: "stay", datastoreId: nfs.id, disks: [{ capacityBytes: MiB }] });
    await expect(t.lab.relocateVm(randomUUID(), { clusterId: c1.id })).rejects.toMatchObject(kind("not-found"));
    const bad = [
      {},
      { datastoreId: randomUUID() },
      { clusterId: randomUUID() },
      { hostId: randomUUID() },
      { resourcePoolId: randomUUID() },
      { clusterId: c1.id, hostId: host3.id }, // host of another cluster
      { clusterId: c2.id, resourcePoolId: byName(inv.resourcePools, "Production").id }, // pool of another cluster
      { clusterId: c1.id, datastoreId: dsC2.id }, // datastore the cluster does not mount
      { hostId: host2.id, datastoreId: ssd.id }, // ... the host does not mount
    ];
    for (const target of bad) await expect(t.lab.relocateVm(vm.id, target), JSON.stringify(target)).rejects.toMatchObject(kind("bad-argument"));
    expect(await t.lab.getVm(vm.id)).toEqual(vm);
    // Compute only: the VM's current datastore must be mounted where it goes.
    const onSsd = await t.lab.createVm({ name: "on-ssd", datastoreId: ssd.id, disks: [{ capacityBytes: MiB }] });
    await expect(t.lab.relocateVm(onSsd.id, { clusterId: c2.id })).rejects.toMatchObject(kind("bad-argument"));
    await expect(t.lab.relocateVm(onSsd.id, { hostId: host2.id })).rejects.toMatchObject(kind("bad-argument"));
    expect(await t.lab.getVm(onSsd.id)).toEqual(onSsd);
  });

  it("refuses what the VM's state forbids (409), changing nothing", async () => {
    const { c2, c3, dsC2 } = await addClusters();
    const [ssd, nfs] = [byName(inv.datastores, "ds-ssd-01"), byName(inv.datastores, "ds-nfs-01")];
    const onNfs = await t.lab.createVm({ name: "on-nfs", datastoreId: nfs.id, disks: [{ capacityBytes: MiB }] });
    await expect(t.lab.relocateVm(onNfs.id, { clusterId: c3.id })).rejects.toMatchObject(kind("conflict")); // cluster without a host

    const running = await t.lab.createVm({ name: "running", datastoreId: ssd.id, disks: [{ capacityBytes: MiB }], powerOn: true });
    await expect(t.lab.relocateVm(running.id, { datastoreId: nfs.id })).rejects.toMatchObject(kind("conflict"));
    // Refused as a whole: the cluster part of the move does not happen either.
    await expect(t.lab.relocateVm(running.id, { clusterId: c2.id, datastoreId: dsC2.id })).rejects.toMatchObject(kind("conflict"));
    expect(await t.lab.getVm(running.id)).toEqual(running);

    const snapped = await t.lab.createVm({ name: "snapped", datastoreId: ssd.id, disks: [{ capacityBytes: MiB }] });
    await t.lab.createSnapshot(snapped.id);
    await expect(t.lab.relocateVm(snapped.id, { datastoreId: nfs.id })).rejects.toMatchObject(kind("conflict"));

    const spread = await t.lab.createVm({ name: "spread", datastoreId: ssd.id, disks: [{ capacityBytes: MiB }, { capacityBytes: MiB, datastoreId: nfs.id }] });
    await expect(t.lab.relocateVm(spread.id, { datastoreId: nfs.id })).rejects.toMatchObject(kind("conflict")); // a disk outside its home

    for (const vm of [onNfs, snapped, spread]) expect(await t.lab.getVm(vm.id)).toEqual(vm);
    expect(await readdir(join(t.lab.labDir, "datastores", "ds-nfs-01"))).toHaveLength(2); // on-nfs and spread's second disk only
  });
});
