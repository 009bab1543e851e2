// A throwaway single-node Ceph with the RADOS Gateway for the S3 tests: one monitor, one OSD on
// memstore (data in RAM), radosgw on a random free port of 127.0.0.1, everything under a fresh
// temporary directory (nothing in /etc/ceph or /var/lib/ceph), one S3 user with random keys.
// Needs Debian's ceph-mon ceph-osd radosgw ceph-common. Also a CLI for manual runs:
//   node test/helpers/rgw.ts start   -> prints S3_ENDPOINT=… keys, and RGW_DIR=… for stop
//   node test/helpers/rgw.ts stop <RGW_DIR>
import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";

const run = promisify(execFile);
const BINARIES = ["ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "ceph", "monmaptool"];
export const RGW_INSTALL_HINT = "apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw ceph-common";
const MARKER = ".obr-throwaway-rgw";

export interface Rgw {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  dir: string;
}

/** The Ceph programs the harness needs that are not on PATH (empty: RGW can start). */
export function missingCephBinaries(): string[] {
  const path = (process.env.PATH ?? "").split(":");
  return BINARIES.filter((b) => !path.some((d) => d && existsSync(join(d, b))));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function cephConf(dir: string, fsid: string, monPort: number, rgwPort: number, memstoreBytes: number): string {
  return `[global]
fsid = ${fsid}
mon_host = [v2:127.0.0.1:${monPort}]
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_msgr1 = false
ms_bind_msgr2 = true
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
# radosgw defaults to the "secure" mon client mode, which auth=none cannot negotiate (it hangs)
ms_mon_client_mode = crc
run_dir = ${dir}/run
crash_dir = ${dir}/crash
admin_socket = ${dir}/run/$name.asok
pid_file = ${dir}/run/$name.pid
log_file = ${dir}/log/$name.log
keyring = ${dir}/keyring
log_to_stderr = false
err_to_stderr = false
mon_cluster_log_file = ${dir}/log/cluster.log
# one OSD: one replica, few placement groups, no host failure domain
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_max_pg_per_osd = 1000
osd_crush_chooseleaf_type = 0
mon_warn_on_pool_no_redundancy = false
# a nearly full CI disk must not stop the monitor
mon_data_avail_warn = 2
mon_data_avail_crit = 1
# RGW creates its pools at start: each costs paxos rounds, 1 s apart by default
paxos_propose_interval = 0.05
paxos_min_wait = 0.01
osd_memory_target = 939524096

[mon]
mon_data = ${dir}/mon/$cluster-$id

[osd]
osd_data = ${dir}/osd/$cluster-$id
osd_objectstore = memstore
memstore_device_bytes = ${memstoreBytes}
osd_class_update_on_start = false

[client.rgw.obr]
rgw_frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw_data = ${dir}/rgw
rgw_enable_usage_log = false
# lifecycle threads delay shutdown by seconds and the tests need none
rgw_enable_lc_threads = false
`;
}

/** Polls check until it resolves true; fails after timeoutMs or when the daemon's pid has exited. */
async function waitFor(what: string, dir: string, daemon: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    const pid = readPid(dir, daemon);
    if (pid !== null && !alive(pid)) throw new Error(`rgw harness: ${daemon} exited while waiting for ${what}; see ${dir}/log/${daemon}.log`);
    if (Date.now() > deadline) throw new Error(`rgw harness: timed out waiting for ${what} (logs in ${dir}/log)`);
    await sleep(100);
  }
}

function readPid(dir: string, daemon: string): number | null {
  try {
    const pid = Number(readFileSync(join(dir, "run", `${daemon}.pid`), "utf8").trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the cluster; on failure stops what started and keeps the directory's logs. */
export async function startRgw(opts: { memstoreBytes?: number; timeoutMs?: number } = {}): Promise<Rgw> {
  const missing = missingCephBinaries();
  if (missing.length > 0) throw new Error(`rgw harness: missing ${missing.join(", ")} (${RGW_INSTALL_HINT})`);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const dir = mkdtempSync(join(tmpdir(), "obr-rgw-"));
  for (const d of ["mon", "osd", "run", "log", "crash", "rgw"]) mkdirSync(join(dir, d));
  writeFileSync(join(dir, MARKER), "");
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const conf = join(dir, "ceph.conf");
  writeFileSync(conf, cephConf(dir, randomUUID(), monPort, rgwPort, opts.memstoreBytes ?? 2 ** 31));
  const c = ["-c", conf];
  const accessKeyId = randomBytes(10).toString("hex").toUpperCase();
  const secretAccessKey = randomBytes(30).toString("base64url").slice(0, 40);
  try {
    await run("monmaptool", ["--create", "--fsid", readFileSync(conf, "utf8").match(/fsid = (\S+)/)?.[1] ?? "", "--addv", "a", `[v2:127.0.0.1:${monPort}]`, join(dir, "monmap")]);
    await run("ceph-mon", [...c, "--mkfs", "-i", "a", "--monmap", join(dir, "monmap")]);
    await run("ceph-mon", [...c, "-i", "a"]);
    await waitFor("the monitor", dir, "mon.a", async () => (await run("timeout", ["10", "ceph", ...c, "mon", "stat"])).stdout.length > 0, timeoutMs);
    const osdUuid = randomUUID();
    const osdId = (await run("ceph", [...c, "osd", "new", osdUuid])).stdout.trim();
    mkdirSync(join(dir, "osd", `ceph-${osdId}`));
    await run("ceph-osd", [...c, "-i", osdId, "--mkfs", "--osd-uuid", osdUuid]);
    await run("ceph-osd", [...c, "-i", osdId]);
    await waitFor("the OSD", dir, `osd.${osdId}`, async () => (await run("ceph", [...c, "osd", "dump", "-f", "json"])).stdout.includes('"up":1'), timeoutMs);
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await startGateway({ endpoint, dir }, timeoutMs);
    await run("radosgw-admin", [...c, "-n", "client.admin", "user", "create", "--uid=obr", "--display-name=obr", `--access-key=${accessKeyId}`, `--secret-key=${secretAccessKey}`]);
    return { endpoint, region: "us-east-1", accessKeyId, secretAccessKey, dir };
  } catch (err) {
    await stopRgw(dir, { keepDir: true });
    throw err;
  }
}

const GATEWAY = "client.rgw.obr";

/** Whether pid is a daemon of the cluster in dir (its command line names dir's ceph.conf). */
function ours(dir: string, pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(join(dir, "ceph.conf"));
  } catch {
    return false;
  }
}

/** Stops one daemon of the cluster in dir by its pid file (SIGTERM, SIGKILL after 10 s; or SIGKILL at once, as a crash). */
async function stopDaemon(dir: string, daemon: string, signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
  const pid = readPid(dir, daemon);
  if (pid === null || !ours(dir, pid)) return;
  process.kill(pid, signal);
  const deadline = Date.now() + 10_000;
  while (ours(dir, pid) && Date.now() < deadline) await sleep(25);
  if (ours(dir, pid)) process.kill(pid, "SIGKILL");
}

/**
 * Stops exactly the daemons started in dir (pid files checked against the process's command
 * line naming dir's ceph.conf): radosgw, then the OSD, then the monitor; then removes dir.
 */
export async function stopRgw(dir: string, opts: { keepDir?: boolean } = {}): Promise<void> {
  if (!existsSync(join(dir, MARKER))) throw new Error(`rgw harness: ${dir} was not made by startRgw; refusing`);
  const daemons = readdirSync(join(dir, "run"))
    .filter((f) => f.endsWith(".pid"))
    .map((f) => f.slice(0, -4));
  const order = (d: string) => (d.startsWith("client.rgw") ? 0 : d.startsWith("osd.") ? 1 : 2);
  for (const d of daemons.sort((a, b) => order(a) - order(b))) await stopDaemon(dir, d);
  if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
}

/**
 * Stops only the gateway (an S3 endpoint going away; `crash`: SIGKILL, as a crash would); the
 * monitor and the OSD keep running and with them the data (a memstore OSD holds it in its
 * memory). startGateway brings it back.
 */
export async function stopGateway(rgw: Pick<Rgw, "dir">, opts: { crash?: boolean } = {}): Promise<void> {
  if (!existsSync(join(rgw.dir, MARKER))) throw new Error(`rgw harness: ${rgw.dir} was not made by startRgw; refusing`);
  await stopDaemon(rgw.dir, GATEWAY, opts.crash ? "SIGKILL" : "SIGTERM");
}

/** Starts the gateway stopped by stopGateway again, on the same endpoint; resolves once it answers. */
export async function startGateway(rgw: Pick<Rgw, "dir" | "endpoint">, timeoutMs = 60_000): Promise<void> {
  // a pid file left by the stopped gateway would make waitFor think the new one exited
  const old = readPid(rgw.dir, GATEWAY);
  if (old !== null && !ours(rgw.dir, old)) rmSync(join(rgw.dir, "run", `${GATEWAY}.pid`), { force: true });
  await run("radosgw", ["-c", join(rgw.dir, "ceph.conf"), "-n", GATEWAY]);
  await waitFor("radosgw", rgw.dir, GATEWAY, async () => (await fetch(`${rgw.endpoint}/`)).ok, timeoutMs);
}

if (import.meta.main) {
  const [cmd, arg] = process.argv.slice(2);
  if (cmd === "start") {
    const r = await startRgw();
    console.log(`S3_ENDPOINT=${r.endpoint}\nAWS_ACCESS_KEY_ID=${r.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${r.secretAccessKey}\nAWS_REGION=${r.region}\nRGW_DIR=${r.dir}`);
  } else if (cmd === "stop" && arg) await stopRgw(arg);
  else {
    console.error("usage: node test/helpers/rgw.ts start | stop <RGW_DIR>");
    process.exit(2);
  }
}
