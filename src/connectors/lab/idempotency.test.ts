import { randomUUID } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { ConnectorErrorKind } from "../connector-error.ts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MiB, type TestLab, createTestLab, runUntilCrash } from "./testing.ts";

// What a resumed operation sees when it repeats a lab call its first run already made: the
// operation id is the idempotency token, so the repeat reports the change instead of refusing it
// (409) or making it twice. Without the token, or with another one, the rules are unchanged.

let t: TestLab;
beforeEach(async () => {
  t = await createTestLab();
});
afterEach(() => t.cleanup());

const kind = (kind: ConnectorErrorKind) => ({ kind });

describe("powerVm", () => {
  it("repeated by the same operation returns the VM without acting again", async () => {
    const vm = await t.lab.createVm({ name: "p", disks: [{ capacityBytes: MiB }], powerOn: true });
    const op = randomUUID();
    const off = await t.lab.powerVm(vm.id, "powerOff", op);
    expect(off.powerState).toBe("poweredOff");
    expect(await t.lab.powerVm(vm.id, "powerOff", op)).toEqual(off);
    // Another operation (or none) finds the VM off: refused as before.
    await expect(t.lab.powerVm(vm.id, "powerOff", randomUUID())).rejects.toMatchObject(kind("conflict"));
    await expect(t.lab.powerVm(vm.id, "powerOff")).rejects.toMatchObject(kind("conflict"));
  });

  it("resets once per operation: a repeat does not boot the VM again", async () => {
    const vm = await t.lab.createVm({ name: "r", disks: [{ capacityBytes: MiB }], powerOn: true });
    const op = randomUUID();
    const reset = await t.lab.powerVm(vm.id, "reset", op);
    await new Promise((r) => setTimeout(r, 5));
    expect((await t.lab.powerVm(vm.id, "reset", op)).bootTime).toBe(reset.bootTime);
    await new Promise((r) => setTimeout(r, 5));
    expect((await t.lab.powerVm(vm.id, "reset", randomUUID())).bootTime).not.toBe(reset.bootTime);
  });
});

describe("createVm", () => {
  it("repeated by the same operation returns the VM it made, with no second one", async () => {
    const op = randomUUID();
    const spec = { name: "made-once", disks: [{ capacityBytes: MiB }], powerOn: true };
    const vm = await t.lab.createVm(spec, op);
    expect(await t.lab.createVm(spec, op)).toEqual(vm);
    expect((await t.lab.discover()).vms.map((v) => v.id)).toEqual([vm.id]);
    expect((await readdir(join(t.lab.labDir, "datastores", "ds-ssd-01"))).filter((d) => d.startsWith("made-once"))).toHaveLength(1);
    await expect(t.lab.createVm(spec, randomUUID())).rejects.toMatchObject(kind("conflict"));
    await expect(t.lab.createVm(spec)).rejects.toMatchObject(kind("conflict"));
  });
});

describe("createVm killed before registering its VM", () => {
  it("leaves no second home directory behind when the operation runs again", async () => {
    const op = randomUUID();
    const spec = { name: "half-made", disks: [{ capacityBytes: MiB }] };
    expect(await runUntilCrash(t, "lab.create.after-disks", `await lab.createVm(${JSON.stringify(spec)}, ${JSON.stringify(op)});`)).toBe(137);
    const homes = () => readdir(join(t.lab.labDir, "datastores", "ds-ssd-01"));
    expect(await homes()).toHaveLength(1); // the dead run's blank disks, not registered
    expect((await t.lab.discover()).vms).toEqual([]);
    const vm = await t.lab.createVm(spec, op);
    expect((await t.lab.discover()).vms.map((v) => v.id)).toEqual([vm.id]);
    expect(await homes()).toEqual([vm.disks[0]!.filePath.split(" ")[1]!.split("/")[0]]);
  });
});

describe("createDatastore", () => {
  it("repeated by the same operation returns the datastore it made; another finds the name taken", async () => {
    const clusterId = (await t.lab.discover()).clusters[0]!.id;
    const op = randomUUID();
    const spec = { name: "ds-once", type: "VMFS" as const, capacityBytes: 64 * MiB, clusterId };
    const ds = await t.lab.createDatastore(spec, op);
    expect(await t.lab.createDatastore(spec, op)).toEqual(ds);
    expect((await t.lab.discover()).datastores.filter((d) => d.name === "ds-once")).toEqual([ds]);
    await expect(t.lab.createDatastore(spec, randomUUID())).rejects.toMatchObject(kind("conflict"));
  });
});

describe("reconfigureVm", () => {
  it("asked for the hardware the VM already has (a resumed update) succeeds in any power state", async () => {
    const vm = await t.lab.createVm({ name: "hw", numCpus: 2, memoryMib: 2048, disks: [{ capacityBytes: MiB }] });
    await t.lab.reconfigureVm(vm.id, { numCpus: 4, memoryMib: 4096 });
    await t.lab.powerVm(vm.id, "powerOn");
    expect(await t.lab.reconfigureVm(vm.id, { numCpus: 4, memoryMib: 4096 })).toMatchObject({ numCpus: 4, memoryMib: 4096, powerState: "poweredOn" });
    await expect(t.lab.reconfigureVm(vm.id, { numCpus: 8 })).rejects.toMatchObject(kind("conflict"));
  });
});

describe("deleteVm", () => {
  it("killed between unregistering the VM and removing its files leaves no VM without its disks", async () => {
    const vm = await t.lab.createVm({ name: "gone", disks: [{ capacityBytes: MiB }] });
    expect(await runUntilCrash(t, "lab.delete.after-unregister", `await lab.deleteVm(${JSON.stringify(vm.id)});`)).toBe(137);
    expect((await t.lab.discover()).vms).toEqual([]);
    // The resumed delete finds it gone (404), which the service takes as done.
    await expect(t.lab.deleteVm(vm.id)).rejects.toMatchObject(kind("not-found"));
  });
});
