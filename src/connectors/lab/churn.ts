import { ConnectorError } from "../connector-error.ts";
import type { ChangedRange, VirtualMachine } from "../hypervisor-connector.ts";
import { mergeRanges, rangesBytes } from "../ranges.ts";
import { mixedBytes, randomInt, seededRandom } from "./content.ts";

// Guest-activity generator: decides which parts of a disk a simulated guest rewrites. Real guests
// write in runs clustered around hot spots (databases, logs, swap), so runs are placed near a few
// hot spots with exponentially distributed lengths, in 4 KiB guest blocks.

export const GUEST_BLOCK_SIZE = 4096;

export interface ChurnOptions {
  /** Share of each disk to rewrite, in percent (0-100]. */
  percent: number;
  /** Mean run length in 4 KiB blocks (default 256 = 1 MiB). */
  runMeanBlocks?: number;
  seed?: number;
}

export function checkChurnOptions(options: ChurnOptions): void {
  if (!(options.percent > 0 && options.percent <= 100)) throw new ConnectorError("bad-argument", "churn percent must be in (0, 100]");
  const mean = options.runMeanBlocks ?? 256;
  if (!(Number.isFinite(mean) && mean >= 1)) throw new ConnectorError("bad-argument", "churn runMeanBlocks must be >= 1");
}

/** Picks the 4 KiB-aligned ranges to rewrite: merged, covering `percent` of the disk (±1 block). */
export function planChurn(capacityBytes: number, options: ChurnOptions, seed: number): ChangedRange[] {
  checkChurnOptions(options);
  const rng = seededRandom(seed);
  const blocks = Math.floor(capacityBytes / GUEST_BLOCK_SIZE);
  const target = Math.min(blocks, Math.max(1, Math.round((blocks * options.percent) / 100)));
  const mean = options.runMeanBlocks ?? 256;
  const hotSpots = Array.from({ length: randomInt(rng, 2, 5) }, () => randomInt(rng, 0, Math.max(0, blocks - 1)));
  const spread = Math.max(mean * 4, blocks / 20);
  const written = new Uint8Array(blocks);
  let covered = 0;
  while (covered < target) {
    const length = Math.max(1, Math.min(target - covered, Math.round(-Math.log(1 - rng()) * mean)));
    const hot = hotSpots[randomInt(rng, 0, hotSpots.length - 1)] ?? 0;
    // Sum of uniforms: a cheap bell curve around the hot spot.
    const jitter = (rng() + rng() + rng() - 1.5) * spread;
    const start = Math.min(Math.max(0, Math.round(hot + jitter)), blocks - length);
    for (let b = start; b < start + length; b++) {
      if (written[b] === 0) {
        written[b] = 1;
        covered++;
      }
    }
  }
  const ranges: ChangedRange[] = [];
  for (let b = 0; b < blocks; b++) {
    if (written[b] === 1) ranges.push({ offset: b * GUEST_BLOCK_SIZE, length: GUEST_BLOCK_SIZE });
  }
  return mergeRanges(ranges);
}

/** What churn needs from the lab: its guest write path. */
export interface ChurnTarget {
  getVm(vmId: string): Promise<VirtualMachine>;
  writeDisk(vmId: string, diskId: string, offset: number, data: Uint8Array): Promise<void>;
}

export interface ChurnResult {
  vmId: string;
  seed: number;
  disks: { diskId: string; capacityBytes: number; ranges: ChangedRange[]; bytesWritten: number }[];
}

const WRITE_CHUNK = 4 * 1024 * 1024;

/** Rewrites `percent` of each of the VM's disks through the lab write path (so CBT records it). */
export async function runChurn(target: ChurnTarget, vmId: string, options: ChurnOptions): Promise<ChurnResult> {
  checkChurnOptions(options);
  const vm = await target.getVm(vmId);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const disks: ChurnResult["disks"] = [];
  for (const [i, disk] of vm.disks.entries()) {
    const diskSeed = seed + i * 7919;
    const ranges = planChurn(disk.capacityBytes, options, diskSeed);
    let n = 0;
    for (const range of ranges) {
      for (let at = range.offset; at < range.offset + range.length; at += WRITE_CHUNK) {
        const length = Math.min(WRITE_CHUNK, range.offset + range.length - at);
        await target.writeDisk(vmId, disk.id, at, mixedBytes(diskSeed + n++, length));
      }
    }
    disks.push({ diskId: disk.id, capacityBytes: disk.capacityBytes, ranges, bytesWritten: rangesBytes(ranges) });
  }
  return { vmId, seed, disks };
}

/** One line per disk for `obr lab churn`. */
export function formatChurnResult(result: ChurnResult): string {
  return result.disks
    .map((d) => {
      const pct = ((100 * d.bytesWritten) / d.capacityBytes).toFixed(2);
      return `disk ${d.diskId}: rewrote ${d.bytesWritten} bytes (${pct}%) in ${d.ranges.length} extents (seed ${result.seed})`;
    })
    .join("\n");
}
