// The benchmark's images: day0 and its next-day variants (clustered and scattered churn), with
// changed-range files. Regenerated only when missing or made with other parameters.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateBase, generateNext } from "./gen-disk.ts";

export interface BenchImages {
  day0: string;
  clustered: string;
  clusteredRanges: string;
  scattered: string;
  scatteredRanges: string;
  size: number;
}

export function prepareImages(dir: string, size: number, seed: string): BenchImages {
  mkdirSync(dir, { recursive: true });
  const imgs: BenchImages = {
    day0: join(dir, "day0.img"),
    clustered: join(dir, "day1-clustered.img"),
    clusteredRanges: join(dir, "day1-clustered.ranges.json"),
    scattered: join(dir, "day1-scattered.img"),
    scatteredRanges: join(dir, "day1-scattered.ranges.json"),
    size,
  };
  const metaPath = join(dir, "params.json");
  const meta = JSON.stringify({ size, seed, v: 1 });
  if (existsSync(metaPath) && readFileSync(metaPath, "utf8") === meta && existsSync(imgs.scatteredRanges)) return imgs;
  const t0 = Date.now();
  generateBase({ out: imgs.day0, size, seed });
  const c = generateNext({ from: imgs.day0, out: imgs.clustered, seed, change: 0.03, runMean: 256, append: 0.01 });
  writeFileSync(imgs.clusteredRanges, JSON.stringify(c.ranges));
  const s = generateNext({ from: imgs.day0, out: imgs.scattered, seed, change: 0.03, runMean: 1, append: 0.01 });
  writeFileSync(imgs.scatteredRanges, JSON.stringify(s.ranges));
  writeFileSync(metaPath, meta);
  console.error(`generated images in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return imgs;
}
