// The file-level-restore cache: a copy's disk materialised once as a sparse image file under
// <root>/<copy id>/disk-<n>.img (as Veeam mounts a backup for FLR), reused by browse calls and
// file restores, and removed once idle for `idleMs` (checked every minute), when the copy is
// deleted, and at start (what a previous process left). An image is written as `.partial` and
// renamed when complete, so a crash never leaves a half image that looks whole.
import { randomUUID } from "node:crypto";
import { mkdir, open, rename, rm, truncate } from "node:fs/promises";
import { join } from "node:path";
import type { ImageWriter } from "../../services/infrastructure/image-store.ts";
import { type CopyImageCache, ImageNotReadyError } from "../../services/ports/guest-files.ts";

const SWEEP_MS = 60_000;

/**
 * An ImageWriter into a new, all-holes file: zero() has nothing to do, since every range is
 * written at most once by a restore into it.
 */
async function freshFileWriter(path: string, capacityBytes: number): Promise<ImageWriter & { close(): Promise<void> }> {
  await truncate(path, 0).catch(() => undefined);
  const handle = await open(path, "w");
  await handle.truncate(capacityBytes);
  return {
    capacityBytes,
    write: async (offset, data) => {
      let done = 0;
      while (done < data.length) done += (await handle.write(data, done, data.length - done, offset + done)).bytesWritten;
    },
    zero: async () => undefined,
    flush: () => handle.datasync(),
    close: () => handle.close(),
  };
}

interface Entry {
  /** The fill under way or done; rejected fills are forgotten. */
  ready: Promise<string>;
  users: number;
  lastUsed: number;
}

export class LocalCopyImageCache implements CopyImageCache {
  readonly #root: string;
  readonly #idleMs: number;
  readonly #requestWaitMs: number;
  readonly #entries = new Map<string, Entry>();
  #timer: NodeJS.Timeout | undefined;

  /** requestWaitMs: how long a request waits for a fill (a first browse of a large disk takes minutes) */
  constructor(root: string, idleMs: number, requestWaitMs = 20_000) {
    this.#root = root;
    this.#idleMs = idleMs;
    this.#requestWaitMs = requestWaitMs;
  }

  /** Removes what an earlier process left and starts the idle sweep. */
  async start(): Promise<void> {
    await rm(this.#root, { recursive: true, force: true });
    await mkdir(this.#root, { recursive: true });
    this.#timer = setInterval(() => void this.sweep(), SWEEP_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Removes every image idle for longer than the idle time (or `now` says so). */
  async sweep(now = Date.now()): Promise<void> {
    for (const [key, entry] of this.#entries) {
      if (entry.users > 0 || now - entry.lastUsed < this.#idleMs) continue;
      this.#entries.delete(key);
      const copyId = key.slice(0, key.indexOf("/"));
      const image = await entry.ready.catch(() => undefined);
      if (image) await rm(image, { force: true });
      if (![...this.#entries.keys()].some((k) => k.startsWith(`${copyId}/`))) await rm(join(this.#root, copyId), { recursive: true, force: true });
    }
  }

  async withImage<T>(copyId: string, disk: number, capacityBytes: number, fill: (writer: ImageWriter) => Promise<void>, use: (image: string) => Promise<T>, opts: { request?: boolean } = {}): Promise<T> {
    const key = `${copyId}/${disk}`;
    let entry = this.#entries.get(key);
    if (!entry) {
      const created: Entry = { ready: this.#materialise(copyId, disk, capacityBytes, fill), users: 0, lastUsed: Date.now() };
      created.ready.catch(() => {
        if (this.#entries.get(key) === created) this.#entries.delete(key);
      });
      this.#entries.set(key, created);
      entry = created;
    }
    entry.users++;
    try {
      return await use(await (opts.request ? this.#within(entry.ready, copyId, disk) : entry.ready));
    } finally {
      entry.users--;
      entry.lastUsed = Date.now();
    }
  }

  /** The fill's result, or ImageNotReadyError once a request has waited as long as it may. */
  async #within(ready: Promise<string>, copyId: string, disk: number): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ImageNotReadyError(`disk ${disk} of copy ${copyId} is still being restored into the file-level-restore cache`)), this.#requestWaitMs);
    });
    try {
      return await Promise.race([ready, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #materialise(copyId: string, disk: number, capacityBytes: number, fill: (writer: ImageWriter) => Promise<void>): Promise<string> {
    const dir = join(this.#root, copyId);
    await mkdir(dir, { recursive: true });
    const image = join(dir, `disk-${disk}.img`);
    const partial = `${image}.partial`;
    const writer = await freshFileWriter(partial, capacityBytes);
    try {
      await fill(writer);
    } catch (err) {
      await writer.close();
      await rm(partial, { force: true });
      throw err;
    }
    await writer.close();
    await rename(partial, image);
    return image;
  }

  async withScratch<T>(use: (dir: string) => Promise<T>): Promise<T> {
    const dir = join(this.#root, "scratch", randomUUID());
    await mkdir(dir, { recursive: true });
    try {
      return await use(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async evict(copyId: string): Promise<void> {
    for (const [key, entry] of this.#entries) {
      if (!key.startsWith(`${copyId}/`)) continue;
      this.#entries.delete(key);
      // A use under way keeps its open image; a later one materialises again (the copy is gone by then).
      await entry.ready.catch(() => undefined);
    }
    await rm(join(this.#root, copyId), { recursive: true, force: true });
  }

  /** Copies with an image on disk now (for tests and the README's numbers). */
  cached(): string[] {
    return [...this.#entries.keys()];
  }
}
