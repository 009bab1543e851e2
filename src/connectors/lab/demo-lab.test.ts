import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Inventory } from "../hypervisor-connector.ts";
import { type DemoLabSummary, createDemoLab, ensureDemoLab, formatDemoLabSummary } from "./demo-lab.ts";
import { LabConnector } from "./lab-connector.ts";

const MiB = 1024 * 1024;

describe("demo lab", () => {
  let root: string;
  let summary: DemoLabSummary;
  let lab: LabConnector;
  let inv: Inventory;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "obr-demo-test-"));
    summary = await createDemoLab(root, "demo");
    lab = new LabConnector(summary.labDir, summary.address);
    inv = await lab.discover();
  }, 120_000); // ~2 s normally; generous for loaded CI machines
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("has the documented shape", () => {
    expect(inv.datacenters).toHaveLength(1);
    expect(inv.clusters).toHaveLength(1);
    expect(inv.hosts).toHaveLength(2);
    expect(inv.datastores).toHaveLength(2);
    expect(inv.networks.length).toBeGreaterThanOrEqual(2);
    expect(inv.vms).toHaveLength(6);
    expect(inv.clusters[0]!.hostIds.sort()).toEqual(inv.hosts.map((h) => h.id).sort());
    expect(inv.folders.some((f) => f.type === "VM" && f.parentId !== null)).toBe(true);
    expect(inv.resourcePools.length).toBeGreaterThanOrEqual(2);
    expect(inv.tags.flatMap((t) => t.attachedIds).length).toBeGreaterThan(6);
    for (const vm of inv.vms) {
      expect(vm.disks.length).toBeGreaterThanOrEqual(1);
      expect(vm.disks.length).toBeLessThanOrEqual(2);
      for (const d of vm.disks) {
        expect(d.capacityBytes).toBeGreaterThanOrEqual(64 * MiB);
        expect(d.capacityBytes).toBeLessThanOrEqual(256 * MiB);
      }
    }
    expect(new Set(inv.vms.map((v) => v.powerState))).toEqual(new Set(["poweredOn", "poweredOff"]));
    expect(inv.vms.filter((v) => v.guest.family === "windows")).not.toHaveLength(0);
    expect(summary.vms.map((v) => v.name)).toEqual(inv.vms.map((v) => v.name));
    expect(formatDemoLabSummary(summary)).toContain("6 VMs");
  });

  it("builds sparse disks with zero, compressible and incompressible content", async () => {
    for (const vm of summary.vms) {
      for (const d of vm.disks) {
        expect(d.allocatedBytes).toBeGreaterThan(0);
        expect(d.allocatedBytes).toBeLessThan(d.capacityBytes * 0.8);
      }
    }
    const vm = inv.vms.find((v) => v.name === "dev-01")!;
    const disk = vm.disks[0]!;
    const file = await stat(join(summary.labDir, "datastores", "ds-nfs-01", disk.filePath.split("] ")[1]!));
    expect(file.size).toBe(disk.capacityBytes);
    expect(file.blocks * 512).toBeLessThan(file.size);

    let zero = 0;
    let compressible = 0;
    let incompressible = 0;
    const SAMPLE = 256 * 1024;
    for (let at = 0; at < disk.capacityBytes; at += MiB) {
      const chunk = await lab.readDisk(vm.id, disk.id, at, SAMPLE);
      if (chunk.equals(Buffer.alloc(SAMPLE))) zero++;
      else if (gzipSync(chunk, { level: 1 }).length < SAMPLE / 2) compressible++;
      else incompressible++;
    }
    expect(zero).toBeGreaterThan(0);
    expect(compressible).toBeGreaterThan(0);
    expect(incompressible).toBeGreaterThan(0);
  });

  it("refuses to overwrite an existing lab", async () => {
    await expect(createDemoLab(root, "demo")).rejects.toMatchObject({ kind: "conflict" });
    expect(await ensureDemoLab(root, "demo")).toBeNull();
  });
});
