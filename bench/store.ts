// Protection store benchmark: obr beside restic and borg on the same generated images, in the
// same run. `npm run bench:store [-- --size 2G --dir /tmp/obr-bench-store --no-peers --tools obr,restic,…,s3]`
// (s3: the S3 rows, obr and restic into a throwaway RGW; see lib/store-s3.ts)
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareImages } from "./lib/bench-images.ts";
import { parseSize } from "./lib/gen-disk.ts";
import type { Measured } from "./lib/measure.ts";
import { copyTree, duBytes, measure } from "./lib/measure.ts";
import type { Peer } from "./lib/peers.ts";
import { borg, ensurePeersInstalled, peerVersions, restic } from "./lib/peers.ts";
import { printReport } from "./lib/report.ts";
import type { Row } from "./lib/report.ts";
import type { S3Check } from "./lib/store-s3.ts";

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? dflt) : dflt;
};
const size = parseSize(opt("size", "2G"));
const root = opt("dir", "/tmp/obr-bench-store");
const withPeers = !args.includes("--no-peers");
const node = process.execPath;
const obrOp = join(import.meta.dirname, "lib", "obr-op.ts");

const imgs = prepareImages(join(root, "images"), size, opt("seed", "42"));
const rows: Row[] = [];
const record = (op: string, tool: string, m: Measured, bytes: number, stored: number, svcSeconds?: number) => {
  const opSeconds = tool.startsWith("obr") ? (JSON.parse(m.stdout) as { opSeconds?: number }).opSeconds : undefined;
  rows.push({ op, tool, seconds: m.seconds, cpuSeconds: m.cpuSeconds, ...(opSeconds ? { opSeconds } : {}), ...(svcSeconds ? { svcSeconds } : {}), mbps: bytes / 1e6 / m.seconds, rssMiB: m.peakRssMiB, storedBytes: stored });
  console.error(`${op.padEnd(24)} ${tool.padEnd(10)} ${m.seconds.toFixed(2)} s`);
};
const logical = (f: string) => Number(measure("stat", ["-c", "%s", f]).stdout.trim());

function runObr(tool: string, toolEnv: Record<string, string>): void {
  // started as bin/obr starts the CLI: with the compile cache on from the first line, so Node
  // does not set up its TypeScript stripper (~120 ms here) for the entry file
  const env = { NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), "node-compile-cache"), ...toolEnv };
  const store = join(root, tool);
  rmSync(store, { recursive: true, force: true });
  const create = (dir: string) => measure(node, [obrOp, "create", dir], { env });
  create(store);
  const backupArgs = (dir: string, image: string, parent?: string, ranges?: string) => ["backup", dir, image, ...(parent ? [parent] : []), ...(ranges ? [ranges] : [])];
  const backup = (image: string, parent?: string, ranges?: string) => {
    const m = measure(node, [obrOp, ...backupArgs(store, image, parent, ranges)], { env, warm: [image, store] });
    return { m, backupId: (JSON.parse(m.stdout) as { backupId: string }).backupId };
  };
  // the same call as a running service makes it (see obr-op.ts), on a copy of the store's state
  const asService = (args: string[], warm: string[]) => (JSON.parse(measure(node, [obrOp, ...args], { env: { ...env, OBR_BENCH_SERVICE: "1" }, warm }).stdout) as { opSeconds: number }).opSeconds;
  const svcStore = `${store}.service`;
  rmSync(svcStore, { recursive: true, force: true });
  create(svcStore);
  const fullSvc = asService(backupArgs(svcStore, imgs.day0), [imgs.day0]);
  const full = backup(imgs.day0);
  record("full backup", tool, full.m, size, duBytes(store), fullSvc);
  copyTree(store, `${store}.after-full`);
  // every incremental starts from the state right after the full backup
  const incr = (name: string, image: string, ranges?: string) => {
    copyTree(`${store}.after-full`, svcStore);
    const svc = asService(backupArgs(svcStore, image, full.backupId, ranges), [image, svcStore]);
    copyTree(`${store}.after-full`, store);
    const before = duBytes(store);
    const r = backup(image, full.backupId, ranges);
    record(name, tool, r.m, logical(image), duBytes(store) - before, svc);
  };
  incr("incr clustered +ranges", imgs.clustered, imgs.clusteredRanges);
  incr("incr clustered", imgs.clustered);
  incr("incr scattered +ranges", imgs.scattered, imgs.scatteredRanges);
  incr("incr scattered", imgs.scattered);
  const target = join(root, "restore.img");
  const svc = asService(["restore", store, full.backupId, target], [store]);
  rmSync(target, { force: true });
  rmSync(svcStore, { recursive: true, force: true });
  const r = measure(node, [obrOp, "restore", store, full.backupId, target], { env, warm: [store] });
  record("restore", tool, r, size, 0, svc);
  rmSync(target, { force: true });
}

function runPeer(p: Peer, fullOnly: boolean): void {
  const repo = join(root, p.name);
  p.init(repo);
  const full = p.backup(repo, imgs.day0, "day0");
  record("full backup", p.name, full, size, duBytes(repo));
  if (fullOnly) return;
  for (const d of p.stateDirs(repo)) copyTree(d, `${d}.after-full`);
  const incr = (names: string[], image: string, tag: string) => {
    for (const d of p.stateDirs(repo)) copyTree(`${d}.after-full`, d);
    const before = duBytes(repo);
    const m = p.backup(repo, image, tag);
    for (const n of names) record(n, p.name, m, logical(image), duBytes(repo) - before);
  };
  // peers cannot use changed ranges: their one incremental stands in both rows
  incr(["incr clustered +ranges", "incr clustered"], imgs.clustered, "clustered");
  incr(["incr scattered +ranges", "incr scattered"], imgs.scattered, "scattered");
  const target = join(root, `restore-${p.name}`);
  record("restore", p.name, p.restore(repo, full.snapshot, target), size, 0);
  rmSync(target, { recursive: true, force: true });
}

// --tools picks a subset; obr-fixed (256 KiB fixed grid) is the chunking comparison
const tools = opt("tools", withPeers ? "obr,obr-enc,restic,borg-lz4,borg-zstd,s3" : "obr,obr-enc").split(",");
if (tools.some((t) => !t.startsWith("obr"))) ensurePeersInstalled();
const checks: S3Check[] = [];
for (const t of tools) {
  if (t === "obr") runObr(t, {});
  else if (t === "obr-enc") runObr(t, { OBR_BENCH_PASSPHRASE: "bench" });
  else if (t === "obr-fixed") runObr(t, { OBR_BENCH_CHUNKING: `fixed:${256 << 10}` });
  else if (t === "restic") runPeer(restic, false);
  else if (t === "borg-lz4") runPeer(borg("lz4"), false);
  else if (t === "borg-zstd") runPeer(borg("zstd"), true);
  else if (t === "s3") {
    const { missingCephBinaries, RGW_INSTALL_HINT } = await import("../test/helpers/rgw.ts");
    if (missingCephBinaries().length > 0) console.error(`S3 rows skipped: Ceph is not installed (${RGW_INSTALL_HINT})`);
    else {
      const { runS3Rows } = await import("./lib/store-s3.ts");
      const env = { NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), "node-compile-cache") };
      const run = (a: string[], e: Record<string, string>, warm?: string[]) => measure(node, [obrOp, ...a], { env: { ...env, ...e }, ...(warm ? { warm } : {}) });
      checks.push(...(await runS3Rows({ root, imgs, size, obrOp: run, record })));
    }
  }
  else throw new Error(`unknown tool ${t}`);
}

printReport(rows, { size, peers: tools.some((t) => !t.startsWith("obr")) ? peerVersions() : "none", out: join(root, `results-${tools.join("+")}.json`), checks });
