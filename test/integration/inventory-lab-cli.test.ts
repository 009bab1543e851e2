// `obr lab import-vm` and `obr lab churn` against a server's lab: the imported VM shows up through
// the API after a refresh, and churn writes where changed-block tracking sees it.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, onTestFinished, test, vi } from "vitest";
import { buildCli } from "../../src/cli/program.ts";
import { type SmallLab, VIRT, accepted, createSmallLab, list, registerLab } from "../helpers/inventory.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer;
let lab: SmallLab;
let managerId: string;

beforeAll(async () => {
  server = await startTestServer();
  lab = await createSmallLab(server, "cli", 1);
  managerId = (await registerLab(server, lab.address)).id;
});
afterAll(async () => {
  await server?.stop();
});

async function obr(...args: string[]): Promise<string> {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  try {
    const argv = ["node", "obr", "lab", "--lab", "cli", ...args];
    await (await buildCli({ OBR_DATA_DIR: server.dataDir }, argv)).parseAsync(argv);
  } finally {
    spy.mockRestore();
  }
  return out.join("");
}

test("import-vm creates a lab VM from a raw image; a refresh shows it", async () => {
  // Outside the data dir: import-vm refuses the server's own files.
  const imageDir = await mkdtemp(join(tmpdir(), "obr-image-"));
  onTestFinished(() => rm(imageDir, { recursive: true, force: true }));
  const image = join(imageDir, "my-disk.raw");
  const data = Buffer.alloc(3 * 1024 * 1024);
  data.fill(0x5a, 1024 * 1024, 2 * 1024 * 1024);
  await writeFile(image, data);
  const created = JSON.parse(await obr("import-vm", "--disk", image, "--name", "imported-01", "--json")) as { id: string; disks: { capacityBytes: number }[] };
  expect(created.disks.map((d) => d.capacityBytes)).toEqual([3 * 1024 * 1024]);
  expect((await accepted(server, `${VIRT}/hypervisor-managers/${managerId}/refresh`)).state).toBe("SUCCEEDED");
  const found = await list<{ id: string }>(server, `${VIRT}/virtual-machines?filter=${encodeURIComponent("name eq 'imported-01'")}`, "VirtualMachineList");
  expect(found.items.map((v) => v.id)).toEqual([created.id]);
  const read = await lab.lab.readDisk(created.id, (await lab.lab.getVm(created.id)).disks[0]!.id, 1024 * 1024, 16);
  expect([...read]).toEqual(new Array(16).fill(0x5a));
});

test("churn rewrites the given share of each disk, by VM name", async () => {
  const result = JSON.parse(await obr("churn", "--vm", "vm-01", "--percent", "10", "--seed", "7", "--json")) as { vmId: string; disks: { bytesWritten: number; capacityBytes: number }[] };
  expect(result.vmId).toBe(lab.vms[0]!.id);
  for (const d of result.disks) {
    expect(d.bytesWritten).toBeGreaterThan(0);
    expect(d.bytesWritten).toBeLessThanOrEqual(d.capacityBytes * 0.11);
  }
});
