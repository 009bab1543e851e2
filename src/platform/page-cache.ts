// Written bulk data leaves the page cache once the kernel has it on disk. A backup writes
// hundreds of megabytes of packs and a restore a whole disk image; left cached, they would
// push the machine's useful cache out, and every page they take is a page the kernel must
// find. On virtual machines that hand freed memory back to the host (virtio-balloon free page
// reporting, as here), a page not touched for a few seconds faults again on first use: writing
// 1.4 GB into fresh page-cache pages cost 3.3-4.3 s of system CPU here, and 0.4 s when the
// written pages were dropped every 32 MiB, so that the next writes reuse the same memory.
// borg does the same for its segment files (sync_file_range + POSIX_FADV_DONTNEED).
// posix_fadvise has no Node.js binding: it comes from obr's native addon (native.ts). Without
// the addon, or with OBR_KEEP_PAGE_CACHE=1, nothing is dropped, which only costs speed.
import { type NativeAddon, nativeAddon } from "./native.ts";

/** Decided on the first drop, not at import (no addon load or environment read at import time). */
let drop: NativeAddon["dropCache"] | null | undefined;

function dropper(): NativeAddon["dropCache"] | null {
  drop ??= (process.platform === "linux" && process.env.OBR_KEEP_PAGE_CACHE !== "1" ? nativeAddon()?.dropCache : undefined) ?? null;
  return drop;
}

/**
 * Drops fd's cached pages in [offset, offset + length) (length 0: to the end of the file). The
 * kernel drops the clean pages and starts writeback of the dirty ones, which a later call then
 * drops. Runs on the libuv pool, since starting writeback can wait for the device. Advisory:
 * never rejects.
 */
export function dropCache(fd: number, offset = 0, length = 0): Promise<void> {
  const d = dropper();
  return d ? d(fd, offset, length).catch(() => {}) : Promise.resolve();
}

/** Blobs at least this big are bulk data (packs); smaller ones (manifests, indexes) stay cached. */
export const BULK_BYTES = 1 << 20;

/**
 * For a file written in large pieces: after every `step` bytes written, the file's pages that
 * the kernel has written back are dropped and writeback of the rest is started, so a long
 * write reuses a bounded set of pages instead of taking fresh ones. Call settle() before
 * closing the file.
 */
export class DropBehind {
  readonly #fd: number;
  readonly #step: number;
  #since = 0;
  #pending: Promise<void> = Promise.resolve();

  constructor(fd: number, step = 32 << 20) {
    this.#fd = fd;
    this.#step = step;
  }

  wrote(bytes: number): void {
    this.#since += bytes;
    if (this.#since < this.#step) return;
    this.#since = 0;
    // one call at a time: a call still running has not yet reached the newest pages anyway
    this.#pending = this.#pending.then(() => dropCache(this.#fd));
  }

  /** Waits for the calls in flight (the fd must stay open until then). */
  settle(): Promise<void> {
    return this.#pending;
  }
}
