// One obr store operation in its own process, so the benchmark can measure its wall time and
// peak RSS like the peers'. Prints a JSON line with the result and opSeconds, the time spent in
// the library call itself (excluding process and module start-up, which a long-running service
// pays once). With OBR_BENCH_SERVICE=1 the timed call is made the way a running service makes
// it: the same operation runs once first on a throwaway copy (worker threads started and their
// code warmed up, as after a service's earlier backups), and the store's index is loaded; then
// OBR_BENCH_SERVICE_RUNS (3) timed calls each start from the same state (a backup's on its own
// copy of the store) and opSeconds is their median: one call after one warm-up still ran code
// the JIT was compiling (the first timed call was the slowest in 12 of 14 such series here).
//   node bench/lib/obr-op.ts backup <store> <image> [parentId] [ranges.json]
//   node bench/lib/obr-op.ts restore <store> <backupId> <target>
//   node bench/lib/obr-op.ts copy <store> <backupId> <target store>
//   node bench/lib/obr-op.ts create <store> [passphrase]
// A store is a directory or "s3:<bucket>" on OBR_BENCH_S3_ENDPOINT with the keys in
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (the S3 SDK is loaded only then, as a service does).
// OBR_BENCH_CACHE_DIR: where an S3 store's index blobs are kept between runs (the service keeps
// them under its data dir, as restic keeps its cache dir).
import { execSync } from "node:child_process";
import { cpSync, readFileSync, rmSync } from "node:fs";
import { enableCompileCache } from "node:module";

// as src/main.ts does: repeated starts reuse compiled code (borg's .pyc files do the same)
enableCompileCache();
const { ProtectionStore } = await import("../../src/store/index.ts");
type Store = Awaited<ReturnType<typeof ProtectionStore.open>>;

async function s3Backend(spec: string) {
  const { S3Backend } = await import("../../src/store/backends/s3.ts");
  const env = (name: string) => process.env[name] ?? (() => { throw new Error(`${name} is not set`); })();
  const credentials = { accessKeyId: env("AWS_ACCESS_KEY_ID"), secretAccessKey: env("AWS_SECRET_ACCESS_KEY") };
  return new S3Backend({ endpoint: env("OBR_BENCH_S3_ENDPOINT"), region: "us-east-1", bucket: spec.slice(3), credentials });
}

const openStore = async (spec: string): Promise<Store> => (spec.startsWith("s3:") ? ProtectionStore.openOn(await s3Backend(spec), storeOpts) : ProtectionStore.open(spec, storeOpts));

const [op, storeDir, a, b, c] = process.argv.slice(2) as [string, string, string?, string?, string?];
const passphrase = process.env.OBR_BENCH_PASSPHRASE;
const storeOpts = { ...(passphrase ? { passphrase } : {}), ...(process.env.OBR_BENCH_CACHE_DIR ? { cacheDir: process.env.OBR_BENCH_CACHE_DIR } : {}) };
if (op === "create") {
  // OBR_BENCH_CHUNKING=fixed:<bytes> measures the fixed-grid alternative to content-defined chunks
  const fixed = /^fixed:(\d+)$/.exec(process.env.OBR_BENCH_CHUNKING ?? "");
  const chunking = fixed ? { chunking: { kind: "fixed" as const, size: Number(fixed[1]) } } : {};
  // OBR_BENCH_ZSTD_LEVEL measures other compression levels (the store default is 1)
  const level = process.env.OBR_BENCH_ZSTD_LEVEL ? { zstdLevel: Number(process.env.OBR_BENCH_ZSTD_LEVEL) } : {};
  const opts = { ...storeOpts, ...chunking, ...level };
  await (await (storeDir.startsWith("s3:") ? ProtectionStore.createOn(await s3Backend(storeDir), opts) : ProtectionStore.create(storeDir, opts))).close();
} else {
  const ranges = op === "backup" && c ? (JSON.parse(readFileSync(c, "utf8")) as Array<[number, number]>) : undefined;
  const run = async (store: Store, restoreTo = b) => {
    if (op === "backup" && a) return store.backup(a, { ...(b ? { parent: b } : {}), ...(ranges ? { changedRanges: ranges } : {}) });
    if (op === "restore" && a && restoreTo) {
      await store.restore(a, restoreTo);
      return { restored: a };
    }
    if (op === "copy" && a && b) {
      const to = await openStore(b);
      try {
        return await store.copyBackup(a, to);
      } finally {
        await to.close();
      }
    }
    throw new Error("usage: obr-op.ts backup|restore|copy|create …");
  };
  const service = process.env.OBR_BENCH_SERVICE === "1";
  if (service) {
    const copy = `${storeDir}.warm-up`;
    cpSync(storeDir, copy, { recursive: true });
    const warm = await ProtectionStore.open(copy, storeOpts);
    await run(warm, b && `${b}.warm-up`);
    await warm.close();
    rmSync(copy, { recursive: true, force: true });
    if (b && op === "restore") rmSync(`${b}.warm-up`, { force: true });
    execSync("sync"); // the warm-up's writes are not written back on the timed call's time
  }
  const runs = service ? Math.max(1, Number(process.env.OBR_BENCH_SERVICE_RUNS ?? 3)) : 1;
  // a backup changes its store: every timed backup gets a copy of the starting state
  const dirs = Array.from({ length: runs }, (_, i) => (i === 0 || op !== "backup" ? storeDir : `${storeDir}.run-${i}`));
  for (const d of dirs) if (d !== storeDir) cpSync(storeDir, d, { recursive: true });
  if (runs > 1) execSync("sync");
  const seconds: number[] = [];
  let res: object = {};
  try {
    for (const d of dirs) {
      if (op === "restore" && b) rmSync(b, { force: true });
      const store = await openStore(d);
      try {
        if (service) await store.stats();
        const t0 = performance.now();
        res = await run(store);
        seconds.push((performance.now() - t0) / 1000);
      } finally {
        await store.close();
      }
    }
  } finally {
    for (const d of dirs) if (d !== storeDir) rmSync(d, { recursive: true, force: true });
  }
  const sorted = [...seconds].sort((x, y) => x - y);
  console.log(JSON.stringify({ ...res, opSeconds: sorted[(sorted.length - 1) >> 1], runs: seconds, service }));
}
