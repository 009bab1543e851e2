// Synthetic raw VM disk images for the store benchmark and tests (deterministic from a seed).
// Same workload as ../shared/bench/gen-disk.js, independently written:
//   base: 4 KiB-aligned extents, log-uniform 64 KiB..32 MiB, byte budgets 30 % zero,
//         30 % incompressible, 25 % text, 15 % copies of earlier data at 4 KiB alignment;
//   next: copy of a base with `change` of its 4 KiB blocks rewritten in runs (geometric length,
//         mean runMean blocks) plus `append` of the size added at the end; returns the changed
//         byte ranges as a changed-block tracker would.
// CLI: node bench/lib/gen-disk.ts base --out F [--size 2G] [--seed 42] [--sparse]
//      node bench/lib/gen-disk.ts next --from F --out G [--change 0.03] [--run-mean 16] [--append 0.01] [--ranges-out R]
import { closeSync, copyFileSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeFileSync, writeSync } from "node:fs";
import { keystream, makeRng } from "./rng.ts";
import { TextFiller } from "./text-fill.ts";

const BLOCK = 4096;
const IO = 4 << 20;

type Kind = "zero" | "rand" | "text" | "dup";
interface Extent {
  kind: Kind;
  pos: number;
  len: number;
}

export interface BaseOptions {
  out: string;
  size: number;
  seed?: string;
  sparse?: boolean;
}

export interface NextOptions {
  from: string;
  out: string;
  seed?: string;
  change?: number;
  runMean?: number;
  append?: number;
}

function writeFull(fd: number, buf: Buffer, pos: number): void {
  for (let o = 0; o < buf.length; ) o += writeSync(fd, buf, o, buf.length - o, pos + o);
}

class Writer {
  readonly fd: number;
  readonly seed: string;
  readonly buf = Buffer.allocUnsafe(IO);
  readonly text: TextFiller;
  readonly sources: Extent[] = [];
  constructor(fd: number, seed: string) {
    this.fd = fd;
    this.seed = seed;
    this.text = new TextFiller(seed);
  }

  fill(e: Extent, n: number, purpose: string, sparse: boolean): void {
    if (e.kind === "zero") {
      if (sparse) return;
      this.buf.fill(0);
      for (let d = 0; d < e.len; d += IO) writeFull(this.fd, this.buf.subarray(0, Math.min(IO, e.len - d)), e.pos + d);
      return;
    }
    const ks = e.kind === "rand" ? keystream(this.seed, purpose, n) : null;
    const r = makeRng(this.seed, `${purpose}/${e.kind}/${n}`);
    for (let d = 0; d < e.len; ) {
      let k = Math.min(IO, e.len - d);
      const chunk = this.buf.subarray(0, k);
      if (ks) ks(chunk);
      else if (e.kind === "text") this.text.fill(chunk, r);
      else {
        // a copy of a 4 KiB-aligned stretch of an earlier data extent
        const src = this.sources[r.int(0, this.sources.length - 1)] as Extent;
        const startBlk = r.int(0, src.len / BLOCK - 1);
        k = Math.min(k, src.len - startBlk * BLOCK);
        if (readSync(this.fd, this.buf, 0, k, src.pos + startBlk * BLOCK) !== k) throw new Error("short read");
      }
      writeFull(this.fd, this.buf.subarray(0, k), e.pos + d);
      d += k;
    }
  }
}

export function generateBase(o: BaseOptions): { size: number; bytes: Record<Kind, number> } {
  const seed = o.seed ?? "42";
  const r = makeRng(seed, "base-layout");
  const nBlocks = Math.floor(o.size / BLOCK);
  const left: Record<Kind, number> = { zero: 0, rand: Math.round(0.3 * nBlocks), text: Math.round(0.25 * nBlocks), dup: Math.round(0.15 * nBlocks) };
  left.zero = nBlocks - left.rand - left.text - left.dup;
  const bytes: Record<Kind, number> = { zero: 0, rand: 0, text: 0, dup: 0 };
  const fd = openSync(o.out, "w+");
  try {
    const w = new Writer(fd, seed);
    let pos = 0;
    for (let n = 0; ; n++) {
      const kinds = (Object.keys(left) as Kind[]).filter((k) => left[k] > 0 && (k !== "dup" || w.sources.length > 0));
      if (kinds.length === 0) break;
      let x = r.next() * kinds.reduce((s, k) => s + left[k], 0);
      let kind = kinds[kinds.length - 1] as Kind;
      for (const k of kinds) {
        if (x < left[k]) {
          kind = k;
          break;
        }
        x -= left[k];
      }
      const blocks = Math.min(left[kind], r.logUniform(16, 8192));
      const e: Extent = { kind, pos, len: blocks * BLOCK };
      w.fill(e, n, "base", o.sparse ?? false);
      if (kind === "rand" || kind === "text") w.sources.push(e);
      left[kind] -= blocks;
      bytes[kind] += e.len;
      pos += e.len;
    }
    ftruncateSync(fd, nBlocks * BLOCK); // trailing zero extents of a sparse image are holes
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { size: nBlocks * BLOCK, bytes };
}

/** Makes the next-day image; returns the changed ranges [[offset, length], ...] (append last). */
export function generateNext(o: NextOptions): { ranges: Array<[number, number]>; changedBlocks: number; newSize: number } {
  const seed = o.seed ?? "42";
  const change = o.change ?? 0.03;
  const runMean = o.runMean ?? 16;
  copyFileSync(o.from, o.out);
  const fd = openSync(o.out, "r+");
  try {
    const size = fstatSync(fd).size;
    const nBlocks = Math.floor(size / BLOCK);
    const r = makeRng(seed, "next-layout");
    const dirty = new Uint8Array(nBlocks);
    const target = Math.round(change * nBlocks);
    for (let marked = 0; marked < target; ) {
      const start = r.int(0, nBlocks - 1);
      const len = Math.min(r.geometric(runMean), nBlocks - start, 4096);
      for (let b = start; b < start + len && marked < target; b++) {
        if (!dirty[b]) {
          dirty[b] = 1;
          marked++;
        }
      }
    }
    const w = new Writer(fd, `${seed}/next`);
    const ranges: Array<[number, number]> = [];
    let n = 0;
    for (let b = 0; b < nBlocks; ) {
      if (!dirty[b]) {
        b++;
        continue;
      }
      let e = b;
      while (e < nBlocks && dirty[e]) e++;
      w.fill({ kind: r.next() < 0.5 ? "rand" : "text", pos: b * BLOCK, len: (e - b) * BLOCK }, n++, "next", false);
      ranges.push([b * BLOCK, (e - b) * BLOCK]);
      b = e;
    }
    let pos = nBlocks * BLOCK;
    for (let add = Math.round((o.append ?? 0.01) * nBlocks); add > 0; ) {
      const blocks = Math.min(add, r.logUniform(16, 2048));
      w.fill({ kind: r.next() < 0.5 ? "rand" : "text", pos, len: blocks * BLOCK }, n++, "next", false);
      pos += blocks * BLOCK;
      add -= blocks;
    }
    if (pos > nBlocks * BLOCK) ranges.push([nBlocks * BLOCK, pos - nBlocks * BLOCK]);
    fsyncSync(fd);
    return { ranges, changedBlocks: target, newSize: pos };
  } finally {
    closeSync(fd);
  }
}

export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)i?B?$/i.exec(s);
  if (!m) throw new Error(`bad size ${s}`);
  return Math.round(Number(m[1]) * 1024 ** " KMGT".indexOf((m[2] || " ").toUpperCase()));
}

function cli(argv: string[]): void {
  const o: Record<string, string> = {};
  for (let i = 1; i < argv.length; i++) {
    const k = (argv[i] as string).replace(/^--/, "");
    if (k === "sparse") o[k] = "1";
    else o[k] = argv[++i] ?? "";
  }
  if (argv[0] === "base" && o.out) {
    console.log(JSON.stringify(generateBase({ out: o.out, size: parseSize(o.size ?? "2G"), seed: o.seed ?? "42", sparse: o.sparse === "1" })));
  } else if (argv[0] === "next" && o.out && o.from) {
    const res = generateNext({ from: o.from, out: o.out, seed: o.seed ?? "42", change: Number(o.change ?? 0.03), runMean: Number(o["run-mean"] ?? 16), append: Number(o.append ?? 0.01) });
    if (o["ranges-out"]) writeFileSync(o["ranges-out"], JSON.stringify(res.ranges));
    console.log(JSON.stringify({ changedBlocks: res.changedBlocks, ranges: res.ranges.length, newSize: res.newSize }));
  } else {
    console.error("usage: gen-disk.ts base --out F [--size 2G] [--seed 42] [--sparse] | next --from F --out G [--change 0.03] [--run-mean 16] [--append 0.01] [--ranges-out R]");
    process.exit(2);
  }
}

if (import.meta.main) cli(process.argv.slice(2));
