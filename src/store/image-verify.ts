// Verification of one image: every chunk its manifest references is re-read from its pack and
// re-hashed by the workers (verify.ts checks the whole store), except the chunks of an image
// verified before (`verified`: after an incremental, the parent's) and those its backup re-read
// as it wrote them (`verifiedOnWrite`), which are only looked up: indexed, in a pack that exists
// and reaches past them. Each problem names the chunk, its pack and the image bytes it holds, so
// the caller knows which part of the disk is lost.
import type { ImageVerification } from "../services/infrastructure/image-store.ts";
import type { BlobBackend } from "./backend.ts";
import { isNotFound } from "./backend.ts";
import type { ProgressFn } from "./backup-full.ts";
import { forEachLimit } from "./concurrency.ts";
import { throwIfCancelled } from "./errors.ts";
import type { Manifest } from "./manifest.ts";
import { extentOffsets } from "./manifest.ts";
import type { ChunkIndex, ChunkLocation } from "./pack-index.ts";
import { packKey } from "./pack-index.ts";
import { checkWindow, readWindows } from "./pack-check.ts";
import type { WorkerPool } from "./worker-pool.ts";

/** Image ranges named per problem; the rest are counted. */
const RANGES_SHOWN = 3;

export async function verifyImageChunks(
  backend: BlobBackend,
  index: ChunkIndex,
  pool: WorkerPool,
  m: Manifest,
  work: { signal?: AbortSignal | undefined; onProgress?: ProgressFn | undefined; verified?: ReadonlySet<string>; verifiedOnWrite?: ReadonlyMap<string, number> | undefined } = {},
): Promise<ImageVerification> {
  const where = imageRanges(m);
  const problems: string[] = [];
  const report = (id: string, what: string) => problems.push(`chunk ${id} ${what}; image bytes ${describeRanges(where.get(id) ?? [])}`);
  const byPack = new Map<string, Array<{ id: string; loc: ChunkLocation }>>();
  const inPlace = new Map<string, Array<{ id: string; loc: ChunkLocation }>>();
  let checkedOnWrite = 0;
  let bytesOnWrite = 0;
  let chunksFoundInPlace = 0;
  for (const id of where.keys()) {
    const loc = index.chunks.get(id);
    if (!loc) {
      report(id, `is missing (${index.missing(id).message})`);
      continue;
    }
    const onWrite = work.verifiedOnWrite?.has(id) === true;
    const shared = !onWrite && work.verified?.has(id) === true;
    if (onWrite) {
      checkedOnWrite++;
      bytesOnWrite += loc.len;
    }
    if (shared) chunksFoundInPlace++;
    const to = onWrite || shared ? inPlace : byPack;
    const inPack = to.get(loc.pack);
    if (inPack) inPack.push({ id, loc });
    else to.set(loc.pack, [{ id, loc }]);
  }
  await lookUpPacks(backend, inPlace, report);
  const total = [...byPack.values()].flat().reduce((n, c) => n + c.loc.len, 0);
  let bytesChecked = 0;
  work.onProgress?.(0, total);
  // four packs in flight: one lane reads while another decodes (two lanes left the cores idle during reads)
  await forEachLimit([...byPack], 4, async ([pack, chunks]) => {
    for (const window of readWindows(chunks, pool.slotSize)) {
      throwIfCancelled(work.signal, "verify");
      const slot = await pool.acquireSlot();
      try {
        const errors = await checkWindow(backend, pool, pack, window, slot);
        window.forEach((c, i) => {
          const e = errors[i];
          if (e) report(c.id, `in pack ${pack} at ${c.loc.off} is damaged (${e})`);
        });
      } catch (err) {
        const what = isNotFound(err) ? `pack ${pack} is missing` : `pack ${pack} cannot be read (${err instanceof Error ? err.message : String(err)})`;
        for (const c of window) report(c.id, `is unreadable: ${what}`);
      } finally {
        pool.releaseSlot(slot);
      }
      bytesChecked += window.reduce((n, c) => n + c.loc.len, 0);
      work.onProgress?.(bytesChecked, total);
    }
  });
  problems.sort();
  return { ok: problems.length === 0, chunksChecked: where.size - chunksFoundInPlace, bytesChecked: bytesChecked + bytesOnWrite, chunksCheckedOnWrite: checkedOnWrite, chunksFoundInPlace, problems };
}

/** The packs of chunks verified before: each must exist and hold them (one stat per pack, no read). */
async function lookUpPacks(backend: BlobBackend, byPack: ReadonlyMap<string, Array<{ id: string; loc: ChunkLocation }>>, report: (id: string, what: string) => void): Promise<void> {
  await forEachLimit([...byPack], 8, async ([pack, chunks]) => {
    let size: number | undefined;
    try {
      size = (await backend.stat(packKey(pack)))?.size;
    } catch (err) {
      for (const c of chunks) report(c.id, `is unreadable: pack ${pack} cannot be looked up (${err instanceof Error ? err.message : String(err)})`);
      return;
    }
    for (const c of chunks) {
      if (size === undefined) report(c.id, `is unreadable: pack ${pack} is missing`);
      else if (size < c.loc.off + c.loc.len) report(c.id, `in pack ${pack} at ${c.loc.off} is cut off (the pack holds ${size} bytes)`);
    }
  });
}

/** Per chunk id, the image ranges [start, end) it fills (adjacent ones joined). */
function imageRanges(m: Manifest): Map<string, Array<[number, number]>> {
  const offs = extentOffsets(m);
  const out = new Map<string, Array<[number, number]>>();
  m.ids.forEach((id, i) => {
    if (!id) return;
    const a = offs[i] as number;
    const b = offs[i + 1] as number;
    const list = out.get(id);
    const last = list?.[list.length - 1];
    if (last && last[1] === a) last[1] = b;
    else if (list) list.push([a, b]);
    else out.set(id, [[a, b]]);
  });
  return out;
}

function describeRanges(ranges: ReadonlyArray<[number, number]>): string {
  const shown = ranges.slice(0, RANGES_SHOWN).map(([a, b]) => `[${a}, ${b})`);
  return ranges.length > RANGES_SHOWN ? `${shown.join(", ")} and ${ranges.length - RANGES_SHOWN} more range(s)` : shown.join(", ");
}
