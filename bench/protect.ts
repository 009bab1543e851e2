// npm run bench:protect — a protection run through the API (not part of npm test): a lab VM whose
// disk is the store benchmark's day-0 image (2 GiB by default), a three-tier policy and its job;
// the time from POST to SUCCEEDED of the first run and of a run after 3 % clustered churn (the
// lab's churn, recorded by changed-block tracking), the bytes the cloud copy of the incremental
// moved, and an ALTERNATE restore; beside restic and borg backing up and restoring the same disk
// file in the same run.
//   npm run bench:protect [-- --size 2G --dir /tmp/obr-bench-protect --no-peers]
import { randomUUID } from "node:crypto";
import { closeSync, mkdirSync, openSync, readSync, rmSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { loadConfig } from "../src/config/config.ts";
import { addDemoTopology } from "../src/connectors/lab/demo-topology.ts";
import { LabConnector, initLab } from "../src/connectors/lab/lab-connector.ts";
import { mutateLabState } from "../src/connectors/lab/lab-state.ts";
import { startServer } from "../src/container.ts";
import { embeddedDataOrchestratorId } from "../src/services/inventory/data-orchestrators.ts";
import { prepareImages } from "./lib/bench-images.ts";
import { parseSize } from "./lib/gen-disk.ts";
import { type Measured, duBytes } from "./lib/measure.ts";
import { type Peer, borg, ensurePeersInstalled, peerVersions, restic } from "./lib/peers.ts";

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? dflt) : dflt;
};
const size = parseSize(opt("size", "2G"));
const root = opt("dir", "/tmp/obr-bench-protect");
const withPeers = !args.includes("--no-peers");
const imgs = prepareImages(join(root, "images"), size, opt("seed", "42"));

const dataDir = join(root, "obr-data");
rmSync(dataDir, { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });
const config = loadConfig({ OBR_DATA_DIR: dataDir, OBR_LISTEN: "127.0.0.1:0", OBR_DEMO: "0" });
const server = await startServer(config, pino({ level: "warn" }));
const made = await server.services.clients.create({ name: "bench", role: "admin" });
const client = { id: made.clientId, secret: made.clientSecret };

async function token(): Promise<string> {
  const r = await fetch(`${server.url}/as/token.oauth2`, { method: "POST", body: new URLSearchParams({ grant_type: "client_credentials", client_id: client.id, client_secret: client.secret }) });
  return ((await r.json()) as { access_token: string }).access_token;
}
const bearer = await token();
const workspace = made.workspaceId;
async function api<T>(path: string, init: { method?: string; json?: unknown } = {}): Promise<{ status: number; body: T; location: string | null }> {
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? (init.json === undefined ? "GET" : "POST"),
    headers: { authorization: `Bearer ${bearer}`, ...(init.json === undefined ? {} : { "content-type": "application/json" }) },
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T, location: res.headers.get("location") };
}
interface Op {
  id: string;
  name: string;
  state: string;
  startedAt: string | null;
  endedAt: string | null;
  error?: { error: string };
  createdAt: string;
  logMessages: { message: string; timestamp: string }[];
  associatedResources: { name?: string; resourceUri: string; type: string }[];
}
async function wait(uri: string): Promise<Op> {
  for (;;) {
    const { body } = await api<Op>(uri);
    if (["SUCCEEDED", "FAILED", "CANCELLED", "TIMEDOUT"].includes(body.state)) {
      if (body.state !== "SUCCEEDED") throw new Error(`${body.name}: ${body.state} ${body.error?.error ?? ""}`);
      return body;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
/** Posts, waits for the operation; seconds from the POST to SUCCEEDED. */
async function timed(path: string, json: unknown): Promise<{ op: Op; seconds: number }> {
  const t0 = performance.now();
  const { status, location, body } = await api(path, { json });
  if (status !== 202 || !location) throw new Error(`${path}: ${status} ${JSON.stringify(body)}`);
  const op = await wait(location);
  return { op, seconds: (performance.now() - t0) / 1000 };
}
/** Reads a file once, into the page cache. */
function warm(path: string): void {
  const fd = openSync(path, "r");
  const buf = Buffer.alloc(8 << 20);
  try {
    while (readSync(fd, buf) > 0);
  } finally {
    closeSync(fd);
  }
}
/** The run's tier operations in tier order (they are created in one transaction: found by name). */
const tiersOf = async (runId: string): Promise<(Op | undefined)[]> => {
  const { body } = await api<{ items: Op[] }>(`/data-services/v1beta1/async-operations?${new URLSearchParams({ filter: `parent/id eq '${runId}'` })}`);
  return ["Snapshot of", "Backup of", "Cloud backup of"].map((prefix) => body.items.find((o) => o.name.startsWith(prefix)));
};
/** Seconds from an operation's creation to its end by the server's clock (no client polling in it). */
const opSpan = (op: Op) => (op.endedAt ? (Date.parse(op.endedAt) - Date.parse(op.createdAt)) / 1000 : Number.NaN);
const span = (op: Op | undefined) => (op?.startedAt && op.endedAt ? (Date.parse(op.endedAt) - Date.parse(op.startedAt)) / 1000 : Number.NaN);

// The lab: the demo topology and a VM whose disk is the day-0 image.
const labDir = join(dataDir, "lab", "bench");
await initLab(labDir, "bench");
await mutateLabState(labDir, (state) => addDemoTopology(state));
const lab = new LabConnector(labDir, "lab://bench");
const vm = await lab.importVm({ name: "bench-01", diskPath: imgs.day0, guest: { family: "linux", osName: "Ubuntu Linux (64-bit)" } });
const disk = vm.disks[0]!;
const diskFile = join(await lab.vmDirectory(vm.id), disk.filePath.split("/").at(-1)!);
// The import leaves the disk's pages out of the page cache (the lab drops what it writes), while
// the peers read day0.img warm from its generation: read both once, so every tool starts warm.
for (const path of [diskFile, imgs.day0]) warm(path);
await timed("/backup-recovery/v1alpha1/hypervisor-managers", {
  networkAddress: "lab://bench",
  hypervisorManagerType: "VMWARE_VCENTER",
  dataOrchestratorId: embeddedDataOrchestratorId(workspace),
  credentials: { username: "bench", password: "-" },
});

// Stores: an on-premises store on a storage system in the data dir, and a cloud store.
const systemId = randomUUID();
server.services.storageSystems.add({
  find: async (ws, id) =>
    ws === workspace && id === systemId
      ? { id, info: { id, displayName: "bench-psg", resourceUri: `/backup-recovery/v1beta1/protection-store-gateways/${id}`, type: "PROTECTION_STORE_GATEWAY" }, storeRoot: join(dataDir, "systems", id), capacityBytes: 1 << 40, freeBytes: 1 << 40, dataOrchestratorIds: [] }
      : undefined,
});
const storeId = async (json: unknown) => (await timed("/backup-recovery/v1beta1/protection-stores", json)).op.associatedResources.find((r) => r.type === "backup-recovery/protection-store")!.resourceUri.split("/").at(-1)!;
const onPremises = await storeId({ protectionStoreType: "ON_PREMISES", storageSystemId: systemId, displayName: "bench local" });
const cloud = await storeId({ protectionStoreType: "CLOUD", storageLocationId: "aws:eu-west-1", displayName: "bench cloud" });
const schedule = (id: number, recurrence: string, extra: Record<string, unknown> = {}) => ({ scheduleId: id, schedule: { recurrence, repeatInterval: { every: 1 }, ...(recurrence === "DAILY" ? { startTime: "02:30" } : {}) }, expireAfter: { unit: "DAYS", value: 7 }, ...extra });
const policy = await api<{ id: string; protections: { id: string; type: string }[] }>("/backup-recovery/v1beta1/protection-policies", {
  json: {
    name: "bench",
    applicationType: "VMWARE",
    protections: [
      { type: "SNAPSHOT", schedules: [schedule(1, "HOURLY")] },
      { type: "BACKUP", protectionStoreId: onPremises, schedules: [schedule(2, "DAILY", { sourceProtectionScheduleId: 1 })] },
      { type: "CLOUD_BACKUP", protectionStoreId: cloud, schedules: [schedule(3, "DAILY", { sourceProtectionScheduleId: 2 })] },
    ],
  },
});
const backupTier = policy.body.protections.find((p) => p.type === "BACKUP")!;

// The first run: the job's creation queues it (time from the POST of the job).
const created = await timed("/backup-recovery/v1beta1/protection-jobs", {
  assetInfo: { id: vm.id, type: "hybrid-cloud/virtual-machine" },
  protectionPolicyId: policy.body.id,
  overrides: { protections: [{ id: backupTier.id, schedules: [{ scheduleId: 2, backupGranularity: "VMWARE_CBT" }] }] },
});
const jobId = created.op.associatedResources.find((r) => r.type === "backup-recovery/protection-job")!.resourceUri.split("/").at(-1)!;
const job = await api<{ protections: { schedules: { executionStatuses: { taskUri?: string }[] }[] }[] }>(`/backup-recovery/v1beta1/protection-jobs/${jobId}`);
const firstUri = job.body.protections[0]!.schedules[0]!.executionStatuses.at(-1)!.taskUri!;
const t0 = performance.now();
const firstRun = await wait(firstUri);
const firstSeconds = created.seconds + (performance.now() - t0) / 1000;
const firstTiers = await tiersOf(firstRun.id);

// 3 % clustered churn, then a run of every tier.
await lab.churn(vm.id, { percent: 3, seed: 42 });
const second = await timed(`/backup-recovery/v1beta1/protection-jobs/${jobId}/run`, { scheduleIds: [1, 2, 3] });
const secondTiers = await tiersOf(second.op.id);
const moved = Number(/(\d+) bytes moved to the cloud store/.exec(secondTiers[2]?.logMessages.map((m) => m.message).join("\n") ?? "")?.[1] ?? Number.NaN);
const backups = (await api<{ items: { id: string; backupType: string; newStoredSizeInBytes: number; pointInTime: string }[] }>(`/backup-recovery/v1beta1/virtual-machines/${vm.id}/backups?sort=pointInTime desc`)).body.items;
const incremental = backups.find((b) => b.backupType === "BACKUP")!;

// ALTERNATE restore of the incremental into a new VM.
const restored = await timed(`/backup-recovery/v1beta1/virtual-machines/${vm.id}/restore`, { restoreType: "ALTERNATE", backupId: incremental.id, targetVmInfo: { name: "bench-01-restored" } });

// Where the time goes: each operation's log, in seconds since it was created (the server's clock).
const logOf = (title: string, op: Op | undefined) => {
  if (!op) return;
  console.error(`${title}: ${op.name}`);
  for (const m of op.logMessages) console.error(`  ${((Date.parse(m.timestamp) - Date.parse(op.createdAt)) / 1000).toFixed(2).padStart(6)} s  ${m.message}`);
};
for (const op of firstTiers) logOf("first run", op);
for (const op of secondTiers) logOf("run after churn", op);
logOf("restore", restored.op);

const mb = size / 1e6;
const rows: [string, string, number, number][] = [
  ["first run (POST job -> SUCCEEDED)", "obr", firstSeconds, mb / firstSeconds],
  ["  its BACKUP tier", "obr", span(firstTiers[1]), mb / span(firstTiers[1])],
  ["run after 3 % churn (POST run -> SUCCEEDED)", "obr", second.seconds, mb / second.seconds],
  ["  its BACKUP tier (changed ranges)", "obr", span(secondTiers[1]), mb / span(secondTiers[1])],
  ["ALTERNATE restore (POST -> SUCCEEDED)", "obr", restored.seconds, mb / restored.seconds],
  ["  its operation (created -> ended)", "obr", opSpan(restored.op), mb / opSpan(restored.op)],
];

// The peers on the same disk file: day 0, then the churned disk, then a restore of day 0.
function peer(p: Peer): void {
  const repo = join(root, p.name);
  const m = (what: string, r: Measured) => rows.push([what, p.name, r.seconds, mb / r.seconds]);
  // The disk as it was before the churn is the image the VM was imported from.
  p.init(repo);
  const first = p.backup(repo, imgs.day0, "day0");
  m("full backup of the disk", first);
  m("incremental after the churn", p.backup(repo, diskFile, "day1"));
  const target = join(root, `restore-${p.name}`);
  m("restore", p.restore(repo, first.snapshot, target));
  rmSync(target, { recursive: true, force: true });
  console.error(`${p.name}: repository ${(duBytes(repo) / 2 ** 20).toFixed(0)} MiB`);
}
if (withPeers) {
  ensurePeersInstalled();
  peer(restic);
  peer(borg("lz4"));
}

console.log(`\nprotection run benchmark: one ${(size / 2 ** 30).toFixed(1)} GiB disk; peers: ${withPeers ? peerVersions() : "none"}\n`);
console.log(`${"operation".padEnd(46)}${"tool".padEnd(10)}${"seconds".padStart(9)}${"MB/s".padStart(9)}`);
for (const [op, tool, s, rate] of rows) console.log(`${op.padEnd(46)}${tool.padEnd(10)}${s.toFixed(2).padStart(9)}${rate.toFixed(0).padStart(9)}`);
console.log(`\nincremental backup stored ${(incremental.newStoredSizeInBytes / 2 ** 20).toFixed(1)} MiB; its cloud copy moved ${(moved / 2 ** 20).toFixed(1)} MiB (${(moved / incremental.newStoredSizeInBytes).toFixed(2)}x; target <= 1.2x)`);
if (withPeers) {
  const get = (op: string, tool: string) => rows.find((r) => r[0] === op && r[1] === tool)?.[2] ?? Number.NaN;
  const ratio = (obr: number, peerOp: string) => (get(peerOp, "restic") / obr).toFixed(2);
  console.log("throughput ratios obr/restic (same bytes: time ratio):");
  console.log(`  first backup (BACKUP tier)        ${ratio(span(firstTiers[1]), "full backup of the disk")}  (target >= 2.5; whole run ${ratio(firstSeconds, "full backup of the disk")})`);
  console.log(`  changed-block incremental (tier)  ${ratio(span(secondTiers[1]), "incremental after the churn")}  (target >= 10; whole run ${ratio(second.seconds, "incremental after the churn")})`);
  console.log(`  restore (ALTERNATE, operation)    ${ratio(opSpan(restored.op), "restore")}  (target >= 2; POST -> SUCCEEDED as the client polls ${ratio(restored.seconds, "restore")})`);
}
await server.close();
