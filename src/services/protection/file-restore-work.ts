// The work of a file restore, run by the worker: read the named files and folders out of the
// copy's file system (its disk materialised in the file-level-restore cache), then write them
// into the target VM's first disk's file system through the connector's editDiskImage (as the
// guest would: any power state, changed blocks tracked, snapshots kept). Progress: bytes read
// out of the copy (5-45 %), then bytes written into the target (45-95 %).
import { join } from "node:path";
import { AppError } from "../../domain/app-error.ts";
import type { ResourceRef } from "../async-operations.ts";
import type { GuestWrite } from "../ports/guest-files.ts";
import { vmResource } from "../inventory/virtual-machine-work.ts";
import { withCopyImage } from "./copy-files.ts";
import type { FileRestorePayload } from "./file-restore-payload.ts";
import { type SourceNode, planWrites, readSourceTree } from "./file-restore-plan.ts";
import { type ProtectionContext, connectorOf } from "./run-context.ts";
import { ByteProgress, type ProgressSink } from "./run-progress.ts";

export interface FileRestoreWork extends ProgressSink {
  customerId: string;
  payload: FileRestorePayload;
  signal: AbortSignal;
  log(message: string): Promise<void>;
}

/** Bytes of file data per debugfs run: progress moves between runs. */
const BATCH_BYTES = 64 * 1024 * 1024;

function* walk(node: SourceNode): Generator<SourceNode> {
  yield node;
  for (const c of node.children) yield* walk(c);
}

/** Splits items into groups of about `limit` bytes each (an item never split). */
function batches<T>(items: readonly T[], bytes: (item: T) => number, limit = BATCH_BYTES): T[][] {
  const out: T[][] = [[]];
  let size = 0;
  for (const item of items) {
    if (size > 0 && size + bytes(item) > limit) {
      out.push([]);
      size = 0;
    }
    out[out.length - 1]?.push(item);
    size += bytes(item);
  }
  return out;
}

export async function restoreFiles(ctx: ProtectionContext, work: FileRestoreWork): Promise<ResourceRef[]> {
  const { customerId, payload, signal } = work;
  const copy = await ctx.copies.get(customerId, payload.source.kind, payload.source.id);
  if (!copy) throw AppError.conflict(`${payload.source.kind} '${payload.source.id}' no longer exists`);
  const connector = await connectorOf(ctx, customerId, payload.managerId);
  const vm = await connector.getVm(payload.targetVmId);
  const disk = vm.disks[0];
  if (!disk) throw AppError.conflict(`virtual machine '${vm.name}' has no disk to restore files into`);
  await work.log(`restoring ${payload.items.length} path(s) from ${copy.kind} '${copy.name}' of ${copy.pointInTime} into ${disk.label} of ${vm.name} (${payload.method})`);

  return ctx.copyImages.withScratch(async (scratch) => {
    const notes: string[] = [];
    const staged = new Map<string, string>();
    // 1. The source trees and their files, out of the copy.
    const trees = await withCopyImage(
      ctx,
      copy,
      0,
      async (image) => {
        const budget = { entries: 0 };
        const roots: SourceNode[] = [];
        for (const item of payload.items) roots.push(await readSourceTree(ctx.guestFiles, image, item.source, notes, budget));
        const all = roots.flatMap((r) => [...walk(r)]);
        const files = all.filter((n) => n.file.type === "file");
        for (const [i, n] of files.entries()) staged.set(n.file.path, join(scratch, String(i)));
        const total = files.reduce((s, n) => s + n.file.sizeInBytes, 0);
        const progress = new ByteProgress(work, 5, 45, [total]);
        let done = 0;
        for (const group of batches(files, (n) => n.file.sizeInBytes)) {
          signal.throwIfAborted();
          await ctx.guestFiles.extract(
            image,
            group.map((n) => ({ path: n.file.path, to: staged.get(n.file.path) ?? "" })),
          );
          done += group.reduce((s, n) => s + n.file.sizeInBytes, 0);
          progress.report(0, done, total);
        }
        return roots;
      },
      { signal },
    );
    // 2. Into the target's file system.
    const tally = await connector.editDiskImage(vm.id, disk.id, async (image) => {
      if (!(await ctx.guestFiles.recognises(image))) throw AppError.conflict(`${disk.label} of '${vm.name}' holds no file system obr can write (ext2, ext3 or ext4)`);
      const items = payload.items.map((item, i) => ({ node: trees[i] as SourceNode, target: item.target }));
      const plan = await planWrites(ctx.guestFiles, image, items, payload.method, payload.stamp, staged);
      notes.push(...plan.notes);
      const progress = new ByteProgress(work, 45, 95, [plan.tally.bytes]);
      let done = 0;
      for (const group of batches(plan.writes, (w) => w.bytes)) {
        signal.throwIfAborted();
        const writes: GuestWrite[] = group.map((w) => w.write);
        await ctx.guestFiles.apply(image, writes);
        done += group.reduce((s, w) => s + w.bytes, 0);
        progress.report(0, done, plan.tally.bytes);
      }
      return plan.tally;
    });
    for (const note of notes.slice(0, 20)) await work.log(note);
    const aside = tally.keptAside > 0 ? `, ${tally.keptAside} kept beside the existing as <name>_${payload.stamp}` : "";
    await work.log(
      `restored ${tally.files} file(s) (${tally.bytes} bytes), ${tally.directories} new folder(s) and ${tally.symlinks} symlink(s) into ${vm.name}; skipped ${tally.skipped}${aside}`,
    );
    return [vmResource(vm, payload.managerId)];
  });
}
