// The ImageStore port's shapes on the engine's: a manifest as a StoredImage, and a restore
// into the caller's ImageWriter (a VM's disk), whose failures become ImageIoError.
import type { ImageWriter, StoredImage } from "../services/infrastructure/image-store.ts";
import { ImageIoError, StoreArgumentError } from "./errors.ts";
import type { Manifest } from "./manifest.ts";
import type { WriteFn } from "./restore.ts";

export function storedImage(m: Pick<Manifest, "backupId" | "createdAt" | "parent" | "size" | "label" | "stats">): StoredImage {
  return {
    imageId: m.backupId,
    sizeBytes: m.size,
    parent: m.parent,
    label: m.label ?? "",
    createdAt: m.createdAt,
    bytesRead: m.stats.bytesRead,
    zeroBytes: m.stats.zeroBytes,
    storedBytes: m.stats.storedBytes,
    newStoredBytes: m.stats.newStoredBytes,
  };
}

type ZeroFn = (pos: number, length: number) => Promise<void>;

/**
 * Restores the image into target's first m.size bytes: `run` gets the write (data extents, a
 * contiguous run's parts one after another) and zero (each zero run once: the target may hold
 * old data there) functions for restoreRange; then the target is flushed. Bytes past the image
 * in a larger target are left as they are.
 */
export async function restoreIntoWriter(m: Manifest, target: ImageWriter, run: (write: WriteFn, zero: ZeroFn) => Promise<void>): Promise<void> {
  if (!(Number.isSafeInteger(target.capacityBytes) && target.capacityBytes >= m.size)) {
    throw new StoreArgumentError(`the target holds ${target.capacityBytes} bytes, the image ${m.size}`);
  }
  const write: WriteFn = async (parts, pos) => {
    for (const part of parts) {
      await io(`write of ${part.length} bytes at ${pos}`, () => target.write(pos, part));
      pos += part.length;
    }
  };
  const zero: ZeroFn = (pos, length) => io(`zero of ${length} bytes at ${pos}`, () => target.zero(pos, length));
  await run(write, zero);
  await io("flush", () => target.flush());
}

async function io(what: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    throw new ImageIoError("target", `${what} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
