// The port through which services read and write a guest's file system inside a local disk image
// (a copy's disk materialised for file restore, or a scratch image of a VM's disk). Implemented in
// src/connectors/guest-files/ (ext2/3/4 through e2fsprogs' debugfs: no mount, no root).
// Paths are absolute guest paths as src/domain/guest-paths.ts normalises them.
import type { ImageWriter } from "../infrastructure/image-store.ts";

export type GuestFileType = "file" | "directory" | "symlink" | "other";

/** One entry of a directory: what a listing gives cheaply. */
export interface GuestEntry {
  name: string;
  path: string;
  type: GuestFileType;
  sizeInBytes: number;
  /** Permission bits (0o7777). */
  mode: number;
  uid: number;
  gid: number;
}

/** An entry with what only a per-file look gives. */
export interface GuestFile extends GuestEntry {
  modifiedAt: string;
  /** A symlink's target. */
  linkTarget?: string;
}

/** One change to a guest file system; applied in order. */
export type GuestWrite =
  | { op: "mkdir"; path: string }
  /** Removes a file or symlink. */
  | { op: "remove"; path: string }
  /** A new file holding the local file `from`. */
  | { op: "write"; path: string; from: string }
  | { op: "symlink"; path: string; target: string }
  | { op: "attributes"; path: string; type: GuestFileType; mode: number; uid: number; gid: number; modifiedAt: string };

export interface GuestFileSystems {
  /** Whether the image holds a file system obr reads and writes. */
  recognises(image: string): Promise<boolean>;
  /** A directory's entries (without . and ..); not-found / bad-argument ConnectorError for a missing path or a non-directory. */
  list(image: string, dir: string): Promise<GuestEntry[]>;
  /** The entries at `paths`, in one pass: undefined where nothing is. */
  stat(image: string, paths: readonly string[]): Promise<(GuestFile | undefined)[]>;
  /** Copies regular files out of the image into local files. */
  extract(image: string, files: readonly { path: string; to: string }[]): Promise<void>;
  /** Applies the changes to the image; rejects when any of them fails. */
  apply(image: string, writes: readonly GuestWrite[]): Promise<void>;
}

/**
 * Disk images of copies, materialised once on local disk for reading files (the FLR "mount")
 * and kept while used, removed after an idle time and when the copy goes.
 */
export interface CopyImageCache {
  /**
   * Runs `use` with the local path of disk `disk` of copy `copyId`, filling it first with `fill`
   * (sparse, into a writer of `capacityBytes`) when it is not there yet: concurrent callers share
   * one fill, and the image is not removed while any `use` runs. `request`: the caller answers an
   * HTTP request, so it waits for a fill only as long as the cache allows requests to wait, then
   * rejects with ImageNotReadyError while the fill goes on for the next call.
   */
  withImage<T>(copyId: string, disk: number, capacityBytes: number, fill: (writer: ImageWriter) => Promise<void>, use: (image: string) => Promise<T>, opts?: { request?: boolean }): Promise<T>;
  /** A fresh local directory for staging files, removed after `use`. */
  withScratch<T>(use: (dir: string) => Promise<T>): Promise<T>;
  /** Removes a copy's images (the copy was deleted); waits for running uses. */
  evict(copyId: string): Promise<void>;
}

/** A request asked for a copy's disk image whose fill is still under way (withImage's `request`). */
export class ImageNotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageNotReadyError";
  }
}
