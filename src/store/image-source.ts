// Where backup bytes come from: a file/block-device path (random access, needed for
// changed-range incrementals) or any async iterable of bytes (a stream of a virtual disk).
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";

export type ImageSource = string | AsyncIterable<Uint8Array>;

export interface SequentialReader {
  /** Fills buf[0, want) from the current position; returns bytes read (less only at the end). */
  read(buf: Uint8Array, want: number): Promise<number>;
  close(): Promise<void>;
}

export async function openRandomAccess(path: string): Promise<{ fh: FileHandle; size: number }> {
  const fh = await open(path, "r");
  const st = await fh.stat();
  let size = st.size;
  if (st.isBlockDevice()) {
    // block devices report size 0 in stat; find the end by seeking via a zero-length read probe
    size = await blockDeviceSize(fh);
  }
  return { fh, size };
}

async function blockDeviceSize(fh: FileHandle): Promise<number> {
  const probe = Buffer.alloc(1);
  let lo = 0;
  let hi = 1;
  while ((await fh.read(probe, 0, 1, hi * 512 - 1)).bytesRead === 1) hi *= 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await fh.read(probe, 0, 1, mid * 512 - 1)).bytesRead === 1) lo = mid;
    else hi = mid;
  }
  return lo * 512;
}

/** Reads exactly [pos, pos + want) unless the file ends first. */
export async function readAt(fh: FileHandle, buf: Uint8Array, want: number, pos: number): Promise<number> {
  let done = 0;
  while (done < want) {
    const { bytesRead } = await fh.read(buf, done, want - done, pos + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

export async function openSequential(source: ImageSource): Promise<{ reader: SequentialReader; size: number | null }> {
  if (typeof source === "string") {
    const { fh, size } = await openRandomAccess(source);
    let pos = 0;
    return {
      size,
      reader: {
        async read(buf, want) {
          const n = await readAt(fh, buf, Math.min(want, size - pos), pos);
          pos += n;
          return n;
        },
        close: () => fh.close(),
      },
    };
  }
  const it = source[Symbol.asyncIterator]();
  let pending: Uint8Array | null = null;
  return {
    size: null,
    reader: {
      async read(buf, want) {
        let done = 0;
        while (done < want) {
          if (!pending || pending.length === 0) {
            const r = await it.next();
            if (r.done) break;
            pending = r.value;
            continue;
          }
          const k = Math.min(want - done, pending.length);
          buf.set(pending.subarray(0, k), done);
          pending = pending.subarray(k);
          done += k;
        }
        return done;
      },
      async close() {
        await it.return?.();
      },
    },
  };
}
