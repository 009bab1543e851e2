// The benchmark's table, the obr/peer throughput ratios and the targets.
import { writeFileSync } from "node:fs";

export interface Row {
  op: string;
  tool: string;
  seconds: number;
  cpuSeconds: number;
  /** obr only: seconds inside the library call (no process start-up) */
  opSeconds?: number;
  /** obr only: the library call as a running service makes it (threads warm, index loaded) */
  svcSeconds?: number;
  mbps: number;
  rssMiB: number;
  /** store size after a full backup, bytes added by an incremental, 0 for restores */
  storedBytes: number;
}

const TARGETS: Array<{ op: string; peer: string; min: number }> = [
  { op: "full backup", peer: "restic", min: 3 },
  { op: "full backup", peer: "borg-lz4", min: 2 },
  { op: "incr clustered +ranges", peer: "restic", min: 20 },
  { op: "incr clustered", peer: "restic", min: 3 },
  { op: "restore", peer: "restic", min: 2.5 },
  { op: "backup into S3", peer: "restic", min: 2 },
  { op: "copy full into S3", peer: "restic", min: 2 },
  { op: "copy incr into S3", peer: "restic", min: 2 },
];

export function printReport(rows: Row[], meta: { size: number; peers: string; out: string; checks?: Array<{ ok: boolean; text: string }> }): void {
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  console.log(`\nprotection store benchmark: image ${mib(meta.size)} MiB; peers: ${meta.peers}\n`);
  console.log(`${"operation".padEnd(24)}${"tool".padEnd(10)}${"wall s".padStart(8)}${"CPU s".padStart(8)}${"op s".padStart(8)}${"svc s".padStart(8)}${"MB/s".padStart(9)}${"RSS MiB".padStart(9)}${"stored/added MiB".padStart(18)}`);
  for (const r of rows) {
    console.log(`${r.op.padEnd(24)}${r.tool.padEnd(10)}${r.seconds.toFixed(2).padStart(8)}${r.cpuSeconds.toFixed(2).padStart(8)}${(r.opSeconds?.toFixed(2) ?? "-").padStart(8)}${(r.svcSeconds?.toFixed(2) ?? "-").padStart(8)}${r.mbps.toFixed(0).padStart(9)}${r.rssMiB.toFixed(0).padStart(9)}${(r.storedBytes ? mib(r.storedBytes) : "-").padStart(18)}`);
  }
  const get = (op: string, tool: string) => rows.find((r) => r.op === op && r.tool === tool);
  console.log("\nthroughput ratios obr/peer:");
  for (const op of [...new Set(rows.map((r) => r.op))]) {
    const o = get(op, "obr");
    if (!o) continue;
    // the same bytes on both sides: the throughput ratio is the ratio of times
    const ratios = (secs: number | undefined) =>
      ["restic", "borg-lz4"].flatMap((p) => {
        const x = get(op, p);
        return x && secs ? [`${p} ${(x.seconds / secs).toFixed(2)}x`] : [];
      });
    const parts = ratios(o.seconds);
    if (parts.length) console.log(`  ${op.padEnd(24)}${parts.join("   ")}      (library call only: ${ratios(o.opSeconds).join("   ")}; as a service: ${ratios(o.svcSeconds).join("   ")})`);
  }
  console.log("\ntargets:");
  for (const t of TARGETS) {
    const o = get(t.op, "obr");
    const p = get(t.op, t.peer);
    if (!o || !p) continue;
    const ratio = o.mbps / p.mbps;
    const svc = o.svcSeconds ? p.seconds / o.svcSeconds : null;
    const asService = svc === null ? "" : `   (as a service: ${svc.toFixed(2)}x, ${svc >= t.min ? "met" : "not met"})`;
    console.log(`  ${ratio >= t.min ? "PASS" : "FAIL"} ${t.op} >= ${t.min}x ${t.peer}: ${ratio.toFixed(2)}x${asService}`);
  }
  const oFull = get("full backup", "obr");
  const bz = get("full backup", "borg-zstd");
  if (oFull && bz) console.log(`  ${oFull.storedBytes <= bz.storedBytes ? "PASS" : "FAIL"} stored after full <= borg zstd: ${mib(oFull.storedBytes)} vs ${mib(bz.storedBytes)} MiB`);
  for (const c of meta.checks ?? []) console.log(`  ${c.ok ? "PASS" : "FAIL"} ${c.text}`);
  writeFileSync(meta.out, JSON.stringify({ meta, rows }, null, 1));
}
