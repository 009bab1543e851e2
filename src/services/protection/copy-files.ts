// The files inside a copy: a copy's disk materialised once in the file-level-restore cache
// (CopyImageCache, from the backup's store or the snapshot's hypervisor disk) and read through
// the guest file system port. Used by the browse call (GET /obr/v1/virtual-machines/{id}/copies/
// {copy-id}/files, no GreenLake operation) and by restore-files.
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/app-error.ts";
import { guestPath } from "../../domain/guest-paths.ts";
import { isConnectorError } from "../ports/connector-error.ts";
import { type GuestFileType, ImageNotReadyError } from "../ports/guest-files.ts";
import type { ImageWriter } from "../infrastructure/image-store.ts";
import type { CopyDisk, CopyRecord } from "./copy-records.ts";
import { fillerFor } from "./restore-data.ts";
import { copySource } from "./restore-plan.ts";
import type { ProtectionContext } from "./run-context.ts";

export interface CopyFileEntry {
  name: string;
  path: string;
  type: GuestFileType;
  sizeInBytes: number;
  modifiedAt: string;
}

export interface CopyFilesQuery {
  path?: string | undefined;
  disk?: number | undefined;
  offset?: number | undefined;
  limit?: number | undefined;
}

export interface CopyFilesPage {
  items: CopyFileEntry[];
  count: number;
  offset: number;
  total: number;
}

export interface CopyFilesUseCases {
  browse(actor: Actor, vmId: string, copyId: string, query: CopyFilesQuery): Promise<CopyFilesPage>;
}

export const BROWSE_LIMIT_DEFAULT = 100;
export const BROWSE_LIMIT_MAX = 1000;

/** The VM's snapshot or backup of that id (404 for another VM's, another workspace's or none). */
export async function copyOfVm(ctx: ProtectionContext, customerId: string, vmId: string, copyId: string): Promise<CopyRecord> {
  const vm = await ctx.inventory.store.get("virtual-machine", customerId, vmId);
  if (!vm) throw AppError.notFound(`virtual machine '${vmId}' not found`);
  const copy = (await ctx.copies.get(customerId, "snapshot", copyId)) ?? (await ctx.copies.get(customerId, "backup", copyId));
  if (!copy || copy.assetId !== vmId) throw AppError.notFound(`no snapshot or backup '${copyId}' of virtual machine '${vmId}'`);
  return copy;
}

/**
 * Runs `use` on the local image of the copy's disk `diskIndex` (materialised on first use), which
 * must hold a file system obr reads (400 otherwise). `request`: an HTTP request waits for the
 * first materialisation only as long as the cache lets it, then gets 503 with Retry-After while
 * the disk goes on being restored into the cache.
 */
export async function withCopyImage<T>(ctx: ProtectionContext, copy: CopyRecord, diskIndex: number, use: (image: string, disk: CopyDisk) => Promise<T>, work: { signal?: AbortSignal; request?: boolean } = {}): Promise<T> {
  const { signal } = work;
  const disk = copy.disks[diskIndex];
  if (!disk) throw AppError.badRequest(`disk ${diskIndex}: the ${copy.kind} has ${copy.disks.length} disk(s), numbered from 0`);
  const fill = async (writer: ImageWriter) => {
    const filler = await fillerFor(ctx.dataPlane, await copySource(ctx, copy.customerId, copy), signal);
    await filler(disk, writer, () => undefined);
  };
  const checked = async (image: string) => {
    if (!(await ctx.guestFiles.recognises(image))) {
      throw AppError.badRequest(`${disk.label} of ${copy.kind} '${copy.name}' holds no file system obr can read (ext2, ext3 or ext4)`);
    }
    return use(image, disk);
  };
  return ctx.copyImages.withImage(copy.id, diskIndex, disk.capacityBytes, fill, checked, { request: work.request === true }).catch((err: unknown) => {
    if (!(err instanceof ImageNotReadyError)) throw err;
    throw new AppError(503, "SERVICE_UNAVAILABLE", `${disk.label} of ${copy.kind} '${copy.name}' is still being restored into the file-level-restore cache (the first look at a disk reads it whole); retry in a few seconds`, { headers: { "retry-after": String(RETRY_AFTER_SECONDS) } });
  });
}

/** What a request told that a copy's disk is still being prepared should wait before asking again. */
const RETRY_AFTER_SECONDS = 5;

/** Connector refusals about a path (missing, not a directory) as the API's 404 / 400. */
export function pathError(err: unknown, what: string): unknown {
  if (isConnectorError(err, "not-found")) return AppError.notFound(`${what}: ${err.message}`);
  if (isConnectorError(err, "bad-argument")) return AppError.badRequest(`${what}: ${err.message}`);
  return err;
}

const byKindThenName = (a: { type: string; name: string }, b: { type: string; name: string }) =>
  Number(b.type === "directory") - Number(a.type === "directory") || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function copyFilesUseCases(ctx: ProtectionContext): CopyFilesUseCases {
  return {
    async browse(actor, vmId, copyId, query) {
      const path = guestPath(query.path ?? "/", "path");
      const offset = query.offset ?? 0;
      const limit = query.limit ?? BROWSE_LIMIT_DEFAULT;
      const copy = await copyOfVm(ctx, actor.workspaceId, vmId, copyId);
      return withCopyImage(ctx, copy, query.disk ?? 0, async (image) => {
        const entries = await ctx.guestFiles.list(image, path).catch((err: unknown) => {
          throw pathError(err, `${copy.kind} '${copy.name}'`);
        });
        entries.sort(byKindThenName);
        const page = entries.slice(offset, offset + limit);
        // Times need one look per entry: only for the page.
        const facts = await ctx.guestFiles.stat(
          image,
          page.map((e) => e.path),
        );
        const items = page.map((e, i) => ({ name: e.name, path: e.path, type: e.type, sizeInBytes: e.sizeInBytes, modifiedAt: facts[i]?.modifiedAt ?? new Date(0).toISOString() }));
        return { items, count: items.length, offset, total: entries.length };
      }, { request: true });
    },
  };
}
