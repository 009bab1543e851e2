// BlobBackend on a local directory. put() = write to a temporary name, fsync, rename; the
// renamed entry becomes durable when flush() fsyncs the directories touched since the last flush.
import { randomBytes } from "node:crypto";
import { link, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { FileHandle } from "node:fs/promises";
import type { BlobBackend, BlobInfo, BlobWriter, PutOptions } from "../backend.ts";
import { isNotFound } from "../backend.ts";
import { forEachLimit } from "../concurrency.ts";
import { BULK_BYTES, dropCache } from "../../platform/page-cache.ts";
import { processAlive } from "../process-alive.ts";
import { writevAll } from "../write-all.ts";

const TMP_MARK = ".tmp-";
/** Per-process part of temporary names; a counter makes each unique (no random bytes per put). */
const TMP_PREFIX = `${TMP_MARK}${process.pid}-${randomBytes(4).toString("hex")}-`;
let tmpSeq = 0;

export class LocalDirBackend implements BlobBackend {
  readonly root: string;
  readonly leaseMs: number | undefined;
  readonly #dirtyDirs = new Set<string>();
  readonly #knownDirs = new Set<string>();

  constructor(root: string, opts: { leaseMs?: number } = {}) {
    this.root = root;
    this.leaseMs = opts.leaseMs;
  }

  #path(key: string): string {
    if (key.includes("..") || key.startsWith("/")) throw new Error(`bad blob key ${key}`);
    return join(this.root, key);
  }

  async #ensureDir(dir: string): Promise<void> {
    if (this.#knownDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.#knownDirs.add(dir);
    // a new directory's own entry lives in its parent: make that durable too
    this.#dirtyDirs.add(dirname(dir));
  }

  async put(key: string, data: Uint8Array | readonly Uint8Array[], opts: PutOptions = {}): Promise<void> {
    const path = this.#path(key);
    await this.#publish(await this.#stage(path, data instanceof Uint8Array ? [data] : data, !opts.volatile), path, !opts.volatile);
  }

  /** A temporary file beside the key's path, renamed into place by commit() once fsynced. */
  async create(key: string, opts: { keepCached?: boolean } = {}): Promise<BlobWriter> {
    const path = this.#path(key);
    const { tmp, fh } = await this.#openTemp(path);
    let size = 0;
    return {
      write: async (parts, offset) => {
        await writevAll(fh, parts, offset);
        size = Math.max(size, offset + parts.reduce((n, p) => n + p.length, 0));
      },
      commit: async () => {
        await this.#closeTemp(tmp, fh, size, true, opts.keepCached);
        await this.#publish(tmp, path);
      },
      abort: () => discard(tmp, fh),
    };
  }

  /** Writes parts (fsynced unless told not to) to a new temporary name beside path; returns that name. */
  async #stage(path: string, parts: readonly Uint8Array[], sync = true): Promise<string> {
    const { tmp, fh } = await this.#openTemp(path);
    try {
      await writevAll(fh, parts, 0);
    } catch (err) {
      await discard(tmp, fh);
      throw err;
    }
    await this.#closeTemp(tmp, fh, parts.reduce((n, p) => n + p.length, 0), sync);
    return tmp;
  }

  /** Renames a staged file into place; the entry is durable after the next flush() (unless volatile). */
  async #publish(tmp: string, path: string, durable = true): Promise<void> {
    await rename(tmp, path);
    if (durable) this.#dirtyDirs.add(dirname(path));
  }

  async #openTemp(path: string): Promise<{ tmp: string; fh: FileHandle }> {
    await this.#ensureDir(dirname(path));
    const tmp = `${path}${TMP_PREFIX}${++tmpSeq}`;
    return { tmp, fh: await open(tmp, "w") };
  }

  /** fdatasync (unless told not to) and close, removing the file if that fails; bulk data then leaves the page cache unless kept. */
  async #closeTemp(tmp: string, fh: FileHandle, size: number, sync = true, keepCached = false): Promise<void> {
    try {
      if (sync) {
        await fh.datasync();
        // on disk now: a pack need not stay cached (see page-cache.ts); metadata stays
        if (size >= BULK_BYTES && !keepCached) await dropCache(fh.fd);
      }
    } catch (err) {
      await discard(tmp, fh);
      throw err;
    }
    await fh.close();
  }

  async uncache(key: string): Promise<void> {
    const fh = await open(this.#path(key), "r").catch(() => null);
    if (!fh) return;
    await dropCache(fh.fd);
    await fh.close().catch(() => {});
  }

  async flush(): Promise<void> {
    const dirs = [...this.#dirtyDirs];
    this.#dirtyDirs.clear();
    await Promise.all(dirs.map((d) => fsyncDir(d)));
  }

  async putExclusive(key: string, data: Uint8Array): Promise<boolean> {
    const path = this.#path(key);
    // link() of a complete temporary file: the key appears whole or not at all, so a process
    // killed mid-way never leaves an empty lock that every later caller would take as held
    const tmp = await this.#stage(path, [data]);
    try {
      await link(tmp, path);
    } catch (err) {
      if ((err as { code?: string }).code === "EEXIST") return false;
      throw err;
    } finally {
      await unlink(tmp);
    }
    await fsyncDir(dirname(path));
    return true;
  }

  get(key: string): Promise<Buffer> {
    return readFile(this.#path(key));
  }

  async readAt(key: string, offset: number, target: Uint8Array): Promise<number> {
    const fh = await open(this.#path(key), "r");
    try {
      let n = 0;
      while (n < target.length) {
        const { bytesRead } = await fh.read(target, n, target.length - n, offset + n);
        if (bytesRead === 0) break;
        n += bytesRead;
      }
      return n;
    } finally {
      await fh.close();
    }
  }

  async has(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async stat(key: string): Promise<BlobInfo | null> {
    try {
      const s = await stat(this.#path(key));
      return { key, size: s.size, mtimeMs: s.mtimeMs };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    return (await this.#walk(prefix)).filter((b) => !b.key.includes(TMP_MARK));
  }

  async listKeys(prefix: string): Promise<string[]> {
    return (await this.#names(prefix)).filter((k) => !k.includes(TMP_MARK));
  }

  /** Keys of every file under prefix, temporary files included; absent prefix = none. */
  async #names(prefix: string): Promise<string[]> {
    try {
      return await walkFiles(this.#path(prefix), prefix);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
    this.#dirtyDirs.add(dirname(this.#path(key)));
  }

  /**
   * Removes temporary files of interrupted puts: those whose writer process (pid in the name)
   * is gone, and any older than both olderThanMs and an hour (a put never takes that long).
   * A live writer's file is never touched, whatever the grace period. Returns how many.
   */
  async sweepIncomplete(prefix: string, olderThanMs: number): Promise<number> {
    const now = Date.now();
    const stale = (await this.#walk(prefix)).filter((b) => {
      const at = b.key.lastIndexOf(TMP_MARK);
      if (at < 0) return false;
      const pid = Number(b.key.slice(at + TMP_MARK.length).split("-")[0]);
      return !processAlive(pid) || now - b.mtimeMs >= Math.max(olderThanMs, 3600_000);
    });
    for (const b of stale) await rm(this.#path(b.key), { force: true });
    return stale.length;
  }

  async #walk(prefix: string): Promise<BlobInfo[]> {
    const out: BlobInfo[] = [];
    await forEachLimit(await this.#names(prefix), 32, async (key) => {
      let s: Awaited<ReturnType<typeof stat>>;
      try {
        s = await stat(this.#path(key));
      } catch (err) {
        if (isNotFound(err)) return; // raced with a delete or rename
        throw err;
      }
      if (s.isFile()) out.push({ key, size: s.size, mtimeMs: s.mtimeMs });
    });
    return out;
  }

}

/**
 * Keys (keyPrefix + relative path) of the files below dir. Subdirectories are read in parallel:
 * a chunk store's 256 fan-out directories list in ~10 ms this way against 60-160 ms for one
 * recursive readdir, which reads them one after another.
 */
async function walkFiles(dir: string, keyPrefix: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  const subdirs: Array<Promise<string[]>> = [];
  for (const e of entries) {
    if (e.isDirectory()) {
      subdirs.push(
        walkFiles(join(dir, e.name), `${keyPrefix}${e.name}/`).catch((err: unknown) => {
          if (isNotFound(err)) return []; // removed while listing
          throw err;
        }),
      );
    } else if (e.isFile()) files.push(keyPrefix + e.name);
  }
  for (const sub of await Promise.all(subdirs)) files.push(...sub);
  return files;
}

/** Closes and removes an unfinished temporary file (best effort: the first error is what counts). */
async function discard(tmp: string, fh: FileHandle): Promise<void> {
  await fh.close().catch(() => {});
  await unlink(tmp).catch(() => {});
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
