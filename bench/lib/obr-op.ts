// One obr store operation in its own process, so the benchmark can measure its wall time and
// peak RSS like the peers'. Prints a JSON line with the result and opSeconds, the time spent in
// the library call itself (excluding process and module start-up, which a long-running service
// pays once).
//   node bench/lib/obr-op.ts backup <store> <image> [parentId] [ranges.json]
//   node bench/lib/obr-op.ts restore <store> <backupId> <target>
//   node bench/lib/obr-op.ts create <store> [passphrase]
import { readFileSync } from "node:fs";
import { enableCompileCache } from "node:module";

// as src/main.ts does: repeated starts reuse compiled code (borg's .pyc files do the same)
enableCompileCache();
const { ProtectionStore } = await import("../../src/store/index.ts");

const [op, storeDir, a, b, c] = process.argv.slice(2) as [string, string, string?, string?, string?];
const passphrase = process.env.OBR_BENCH_PASSPHRASE;
const keys = passphrase ? { passphrase } : {};
if (op === "create") {
  // OBR_BENCH_CHUNKING=fixed:<bytes> measures the fixed-grid alternative to content-defined chunks
  const fixed = /^fixed:(\d+)$/.exec(process.env.OBR_BENCH_CHUNKING ?? "");
  const chunking = fixed ? { chunking: { kind: "fixed" as const, size: Number(fixed[1]) } } : {};
  // OBR_BENCH_ZSTD_LEVEL measures other compression levels (the store default is 1)
  const level = process.env.OBR_BENCH_ZSTD_LEVEL ? { zstdLevel: Number(process.env.OBR_BENCH_ZSTD_LEVEL) } : {};
  await (await ProtectionStore.create(storeDir, { ...keys, ...chunking, ...level })).close();
} else {
  const store = await ProtectionStore.open(storeDir, keys);
  try {
    const t0 = performance.now();
    const opSeconds = () => (performance.now() - t0) / 1000;
    if (op === "backup" && a) {
      const ranges = c ? (JSON.parse(readFileSync(c, "utf8")) as Array<[number, number]>) : undefined;
      const res = await store.backup(a, { ...(b ? { parent: b } : {}), ...(ranges ? { changedRanges: ranges } : {}) });
      console.log(JSON.stringify({ ...res, opSeconds: opSeconds() }));
    } else if (op === "restore" && a && b) {
      await store.restore(a, b);
      console.log(JSON.stringify({ restored: a, opSeconds: opSeconds() }));
    } else {
      throw new Error("usage: obr-op.ts backup|restore|create …");
    }
  } finally {
    await store.close();
  }
}
