import { join } from "node:path";
import type { DiskWriter } from "../hypervisor-connector.ts";
import { compressibleBytes, incompressibleBytes, randomInt, seededRandom } from "./content.ts";
import { DEMO_VMS, addDemoTopology } from "./demo-topology.ts";
import { demoGuestFiles } from "./demo-guest-files.ts";
import { LabConnector, initLab } from "./lab-connector.ts";
import { allocatedBytes } from "./lab-disk.ts";
import { loadLabState, mutateLabState } from "./lab-state.ts";

// `npm start` on an empty data dir: a lab vCenter with the demo inventory and VMs whose sparse
// disks hold realistic content (runs of zeros, compressible text and incompressible data),
// deterministic for a given seed: each VM's first disk as files in an ext4 file system
// (demo-guest-files.ts), its other disks raw.

const MiB = 1024 * 1024;
const POOL_BYTES = 4 * MiB;

export interface DemoLabSummary {
  labDir: string;
  address: string;
  manager: string;
  datacenters: string[];
  clusters: string[];
  hosts: string[];
  datastores: { name: string; type: string; capacityBytes: number }[];
  networks: string[];
  vms: {
    id: string;
    name: string;
    powerState: string;
    guestOs: string;
    disks: { label: string; capacityBytes: number; allocatedBytes: number }[];
  }[];
  provisionedBytes: number;
  allocatedBytes: number;
  elapsedMs: number;
}

/** Fills a disk: 1 MiB of boot data, then runs of 1-8 MiB of zeros (76%), text (15%) or random data (9%). */
async function fillDemoDisk(writer: DiskWriter, seed: number, label: string, textPool: Buffer): Promise<void> {
  const rng = seededRandom(seed);
  const capacity = writer.capacityBytes;
  const text = (offset: number, length: number) => {
    const start = randomInt(rng, 0, (POOL_BYTES - length) / 4096) * 4096;
    const out = Buffer.from(textPool.subarray(start, start + length));
    // A distinct stamp per 4 KiB keeps blocks unique (no accidental dedup) yet compressible.
    for (let at = 0; at < length; at += 4096) out.write(`#${label}@${offset + at}#`, at);
    return out;
  };
  await writer.write(0, incompressibleBytes(`${seed}/boot`, Math.min(MiB, capacity)));
  for (let at = MiB; at < capacity; ) {
    const runLength = Math.min(capacity - at, randomInt(rng, 1, 8) * MiB);
    const kind = rng();
    for (let chunk = at; kind >= 0.76 && chunk < at + runLength; chunk += POOL_BYTES) {
      const length = Math.min(POOL_BYTES, at + runLength - chunk);
      const data = kind < 0.91 ? text(chunk, length) : incompressibleBytes(`${seed}/${chunk}`, length);
      await writer.write(chunk, data);
    }
    at += runLength;
  }
  // No flush: demo content is reproducible from the seed, durability buys nothing here.
}

/** For `npm start`: builds the demo lab unless `<labRoot>/<name>` already holds a lab (then null). */
export async function ensureDemoLab(labRoot: string, name: string): Promise<DemoLabSummary | null> {
  if (await loadLabState(join(labRoot, name)).then(() => true, () => false)) return null;
  return createDemoLab(labRoot, name);
}

/** Builds the demo lab in `<labRoot>/<name>`; 409 if a lab is already there. */
export async function createDemoLab(labRoot: string, name: string, seed = 20261125): Promise<DemoLabSummary> {
  const started = Date.now();
  const labDir = join(labRoot, name);
  await initLab(labDir, name);
  const placement = await mutateLabState(labDir, (state) => addDemoTopology(state));
  const lab = new LabConnector(labDir, `lab://${name}`);
  const state = await loadLabState(labDir);
  const textPool = compressibleBytes(seed, POOL_BYTES);
  const tagged: [string, string][] = [];
  const formats: Promise<void>[] = [];
  for (const [i, demo] of DEMO_VMS.entries()) {
    const datastore = state.datastores[demo.datastore];
    const host = state.hosts[demo.host];
    const network = state.networks.find((n) => n.name === demo.network);
    const vm = await lab.createVmFromDisks(
      {
        name: demo.name,
        guest: { ...demo.guest, hostname: demo.name },
        numCpus: demo.numCpus,
        memoryMib: demo.memoryMib,
        disks: demo.diskMib.map((mib) => ({ capacityBytes: mib * MiB })),
        networkAdapters: network ? [{ networkId: network.id }] : [],
        folderId: placement.vmFolders[demo.pool].id,
        resourcePoolId: placement.pools[demo.pool].id,
        powerOn: demo.powerOn,
        ...(datastore ? { datastoreId: datastore.id } : {}),
        ...(host ? { hostId: host.id } : {}),
      },
      async (writers) => {
        // The first disk gets its file system below; the others raw content.
        for (const [d, writer] of writers.entries()) {
          if (d > 0) await fillDemoDisk(writer, seed + i * 100 + d, `${demo.name}/${d}`, textPool);
        }
      },
    );
    const first = vm.disks[0];
    // Formatting waits mostly on mke2fs and the disk: the VMs' run side by side.
    if (first) formats.push(lab.formatDisk(vm.id, first.id, demoGuestFiles(demo.name, demo.guest.osName, seed + i * 100, first.capacityBytes, textPool)));
    for (const tag of demo.tags) tagged.push([tag, vm.id]);
  }
  await Promise.all(formats);
  await mutateLabState(labDir, (s) => {
    for (const [tagName, vmId] of tagged) s.tags.find((t) => t.name === tagName)?.attachedIds.push(vmId);
  });
  return summarize(lab, started);
}

async function summarize(lab: LabConnector, started: number): Promise<DemoLabSummary> {
  const inv = await lab.discover();
  const state = await loadLabState(lab.labDir);
  const vms = [];
  for (const vm of state.vms) {
    const disks = [];
    for (const d of vm.disks) {
      disks.push({ label: d.label, capacityBytes: d.capacityBytes, allocatedBytes: await allocatedBytes(join(lab.labDir, d.file)) });
    }
    vms.push({ id: vm.id, name: vm.name, powerState: vm.powerState, guestOs: vm.guest.osName, disks });
  }
  const allDisks = vms.flatMap((v) => v.disks);
  return {
    labDir: lab.labDir,
    address: lab.address,
    manager: inv.manager.name,
    datacenters: inv.datacenters.map((d) => d.name),
    clusters: inv.clusters.map((c) => c.name),
    hosts: inv.hosts.map((h) => h.name),
    datastores: inv.datastores.map((d) => ({ name: d.name, type: d.type, capacityBytes: d.capacityBytes })),
    networks: inv.networks.map((n) => n.name),
    vms,
    provisionedBytes: allDisks.reduce((s, d) => s + d.capacityBytes, 0),
    allocatedBytes: allDisks.reduce((s, d) => s + d.allocatedBytes, 0),
    elapsedMs: Date.now() - started,
  };
}

const mib = (bytes: number) => `${Math.round(bytes / MiB)} MiB`;

/** Human-readable summary for the console. */
export function formatDemoLabSummary(s: DemoLabSummary): string {
  const lines = [
    `lab vCenter ${s.manager} (${s.address}) in ${s.labDir}, built in ${s.elapsedMs} ms`,
    `  datacenter ${s.datacenters.join(", ")}; cluster ${s.clusters.join(", ")}; hosts ${s.hosts.join(", ")}`,
    `  datastores ${s.datastores.map((d) => `${d.name} (${d.type}, ${Math.round(d.capacityBytes / 1024 ** 3)} GiB)`).join(", ")}`,
    `  networks ${s.networks.join(", ")}`,
    `  ${s.vms.length} VMs, ${mib(s.provisionedBytes)} provisioned, ${mib(s.allocatedBytes)} allocated:`,
  ];
  for (const vm of s.vms) {
    const disks = vm.disks.map((d) => `${mib(d.capacityBytes)} (${mib(d.allocatedBytes)} used)`).join(" + ");
    lines.push(`    ${vm.name.padEnd(8)} ${vm.powerState.padEnd(10)} ${vm.guestOs}; disks ${disks}`);
  }
  return lines.join("\n");
}
