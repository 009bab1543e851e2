// The inventory mappers on a real lab inventory: every document validates against the
// contract's schema, references resolve to the right objects, and nothing is invented.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { contractChecks, contractErrors } from "../../../../test/helpers/contract.ts";
import type { Inventory } from "../../ports/hypervisor-connector.ts";
import { MiB, type TestLab, createTestLab } from "../../../connectors/lab/testing.ts";
import { mapDatastore } from "./datastore-mapper.ts";
import { mapCluster } from "./hypervisor-cluster-mapper.ts";
import { mapFolder } from "./hypervisor-folder-mapper.ts";
import { mapHost } from "./hypervisor-host-mapper.ts";
import { mapNetwork } from "./hypervisor-network-mapper.ts";
import { mapResourcePool } from "./hypervisor-resource-pool-mapper.ts";
import { mapTag } from "./hypervisor-tag-mapper.ts";
import { type MapContext, mapContext } from "./map-context.ts";
import { allowedOperations, mapVirtualMachine } from "./virtual-machine-mapper.ts";

let lab: TestLab;
let inventory: Inventory;
let ctx: MapContext;
const manager = { id: "7e006af1-e13b-4937-b656-d8a96dcaf572", name: "test", displayName: "Test vCenter" };
const bookkeeping = { generation: 1, createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z" };

beforeAll(async () => {
  lab = await createTestLab();
  const vm = await lab.lab.createVm({ name: "web-01", disks: [{ capacityBytes: 2 * MiB }, { capacityBytes: MiB }], powerOn: true });
  await lab.lab.writeDisk(vm.id, vm.disks[0]!.id, 0, Buffer.alloc(64 * 1024, 7));
  await lab.lab.createVm({ name: "db-01", disks: [{ capacityBytes: MiB }] });
  inventory = await lab.lab.discover();
  inventory.tags[0]!.attachedIds.push(vm.id);
  ctx = mapContext("customer-1", manager, inventory);
});
afterAll(async () => {
  await lab?.cleanup();
});

const valid = (schema: string, doc: object) => {
  if (contractChecks()) expect(contractErrors("virtualization", schema, { ...bookkeeping, ...doc }), schema).toEqual([]);
};

describe("mappers", () => {
  test("virtual machines", () => {
    const [source] = inventory.vms.filter((v) => v.name === "web-01");
    const doc = mapVirtualMachine(ctx, source!);
    valid("VirtualMachine", doc);
    expect(doc).toMatchObject({
      id: source!.id,
      customerId: "customer-1",
      resourceUri: `/virtualization/v1beta1/virtual-machines/${source!.id}`,
      powerState: "POWERED_ON",
      capacityInBytes: 3 * MiB,
      hypervisorManagerInfo: { id: manager.id, name: "test", displayName: "Test vCenter", type: "virtualization/hypervisor-manager" },
      hostInfo: { id: source!.hostId, type: "virtualization/hypervisor-host" },
      networkAddress: source!.guest.ipAddress,
    });
    const off = mapVirtualMachine(ctx, inventory.vms.find((v) => v.name === "db-01")!);
    expect(off).not.toHaveProperty("networkAddress"); // unknown while the guest is off, as in vCenter
    expect(off.allowedOperations).toEqual(["VIRTUAL_MACHINE_POWER_ON", "VIRTUAL_MACHINE_DELETE"]);
  });

  test("allowed operations follow the power state and the tools", () => {
    const guest = { toolsStatus: "notInstalled" } as Inventory["vms"][number]["guest"];
    expect(allowedOperations({ powerState: "poweredOn", guest })).toEqual(["VIRTUAL_MACHINE_POWER_OFF", "VIRTUAL_MACHINE_RESET"]);
    expect(allowedOperations({ powerState: "suspended", guest })).toContain("VIRTUAL_MACHINE_POWER_ON");
  });

  test("datastores count their VMs and report measured free space", () => {
    for (const ds of inventory.datastores) {
      const doc = mapDatastore(ctx, ds);
      valid("Datastore", doc);
      expect(doc.vmCount).toBe(inventory.vms.filter((v) => v.datastoreIds.includes(ds.id)).length);
      expect(doc.capacityFree).toBe(ds.freeBytes);
      expect((doc.hostsInfo as unknown[]).length).toBe(ds.hostIds.length);
    }
  });

  test("clusters, hosts, networks, folders, resource pools and tags", () => {
    for (const c of inventory.clusters) valid("HypervisorCluster", mapCluster(ctx, c));
    for (const h of inventory.hosts) {
      const doc = mapHost(ctx, h);
      valid("HypervisorHost", doc);
      expect(doc.parentInfo).toMatchObject({ id: h.clusterId, type: "CLUSTER" });
    }
    for (const n of inventory.networks) valid("HypervisorNetwork", mapNetwork(ctx, n));
    for (const f of inventory.folders) {
      const doc = mapFolder(ctx, f);
      valid("HypervisorFolder", doc);
      expect(doc.resourceUri).toBe(`/virtualization/v1beta1/hypervisor-managers/${manager.id}/folders/${f.id}`);
      if (f.type === "NETWORK") expect(doc).not.toHaveProperty("folderType");
    }
    for (const p of inventory.resourcePools) valid("HypervisorResourcePool", mapResourcePool(ctx, p));
    const tag = mapTag(ctx, inventory.tags[0]!);
    valid("HypervisorTag", tag);
    expect(tag.associatedResources).toEqual([
      { id: inventory.vms.find((v) => v.name === "web-01")!.id, resourceUri: expect.stringMatching(/^\/virtualization\/v1beta1\/virtual-machines\//), type: "virtualization/virtual-machine" },
    ]);
  });
});
