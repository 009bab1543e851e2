// Where backup bytes come from: a file/block-device path (random access; the workers read it
// themselves), an ImageReader (random access through the caller: a snapshot's disk, whose
// unallocated ranges read as zeros without being read), or any async iterable of bytes (a
// stream of a virtual disk; full backups only).
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import type { ByteRange, ImageReader } from "../services/infrastructure/image-store.ts";
import { BLOCK, ZERO_RUN_BLOCKS } from "./chunker.ts";
import { ImageIoError, StoreArgumentError } from "./errors.ts";

export type ImageSource = string | AsyncIterable<Uint8Array> | ImageReader;

export interface SequentialReader {
  /** Fills buf[0, want) from the current position; returns bytes read (less only at the end). */
  read(buf: Uint8Array, want: number): Promise<number>;
  /**
   * When the next min(want, rest) bytes are known to be zero (unallocated) and at least a zero
   * extent long: moves past them and returns how many, else 0 (nothing moves).
   */
  skipZero?(want: number): number;
  /** Source bytes actually read so far. */
  readonly bytesRead: number;
  close(): Promise<void>;
}

/** An image read at random positions. */
export interface RandomSource {
  readonly size: number;
  /** A descriptor of this process the workers read themselves (path sources), else undefined. */
  readonly fd: number | undefined;
  /** Fills buf with image bytes [pos, pos + buf.length); rejects when the image ends first. */
  readInto(buf: Uint8Array, pos: number): Promise<void>;
  close(): Promise<void>;
}

export function isImageReader(source: ImageSource): source is ImageReader {
  return typeof source === "object" && source !== null && "allocatedRanges" in source && typeof source.read === "function";
}

export async function openRandomSource(source: string | ImageReader): Promise<RandomSource> {
  if (typeof source !== "string") {
    const size = readerSize(source);
    return { size, fd: undefined, readInto: (buf, pos) => readerInto(source, buf, pos), close: async () => {} };
  }
  const { fh, size } = await openRandomAccess(source);
  return {
    size,
    fd: fh.fd,
    async readInto(buf, pos) {
      const n = await readAt(fh, buf, buf.length, pos);
      if (n !== buf.length) throw new Error(`image shrank while reading at ${pos + n}`);
    },
    close: () => fh.close(),
  };
}

function readerSize(reader: ImageReader): number {
  const size = reader.capacityBytes;
  if (!(Number.isSafeInteger(size) && size >= 0)) throw new StoreArgumentError(`bad image size ${size}`);
  return size;
}

/** image bytes [pos, pos + buf.length) from the reader into buf; its failures become ImageIoError. */
async function readerInto(reader: ImageReader, buf: Uint8Array, pos: number): Promise<void> {
  let data: Uint8Array | undefined;
  try {
    if (reader.readInto) await reader.readInto(buf, pos);
    else data = await reader.read(pos, buf.length);
  } catch (err) {
    throw new ImageIoError("source", `read of ${buf.length} bytes at ${pos} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (data === undefined) return;
  if (data.length !== buf.length) throw new ImageIoError("source", `read at ${pos} returned ${data.length} of ${buf.length} bytes`);
  buf.set(data);
}

/** Allocated ranges closer than this are read as one (the gap reads as zeros, one call instead of many). */
const READ_GAP = 256 << 10;

/** The reader's allocated ranges as sorted, disjoint [start, end) within the image, near ones joined. */
async function allocatedSpans(reader: ImageReader, size: number): Promise<Array<[number, number]>> {
  let ranges: ByteRange[];
  try {
    ranges = await reader.allocatedRanges();
  } catch (err) {
    throw new ImageIoError("source", `allocated ranges failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const r: Array<[number, number]> = [];
  for (const { offset, length } of ranges) {
    if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0)) throw new ImageIoError("source", `bad allocated range [${offset}, ${length}]`);
    const end = Math.min(size, offset + length);
    if (end > offset) r.push([offset, end]);
  }
  r.sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const x of r) {
    const last = out[out.length - 1];
    if (last && x[0] <= last[1] + READ_GAP) last[1] = Math.max(last[1], x[1]);
    else out.push(x);
  }
  return out;
}

/**
 * Reads an ImageReader front to back: allocated spans are read, everything else is zero-filled
 * without a read, and whole stretches outside them are skipped (skipZero). The bytes the
 * chunker sees are the image's either way, so the chunks equal a path backup's.
 */
async function sequentialFromReader(reader: ImageReader): Promise<{ reader: SequentialReader; size: number }> {
  const size = readerSize(reader);
  const spans = await allocatedSpans(reader, size);
  let pos = 0;
  let k = 0; // first span that ends after pos
  let bytesRead = 0;
  const advance = () => {
    while (k < spans.length && (spans[k] as [number, number])[1] <= pos) k++;
  };
  return {
    size,
    reader: {
      get bytesRead() {
        return bytesRead;
      },
      skipZero(want) {
        const n = Math.min(want, size - pos);
        advance();
        const next = spans[k]?.[0] ?? size;
        if (n < ZERO_RUN_BLOCKS * BLOCK || next < pos + n) return 0;
        pos += n;
        return n;
      },
      async read(buf, want) {
        const end = Math.min(size, pos + want);
        const view = Buffer.from(buf.buffer, buf.byteOffset, end - pos);
        let at = pos;
        advance();
        for (let i = k; i < spans.length && at < end; i++) {
          const [a, b] = spans[i] as [number, number];
          if (a >= end) break;
          const from = Math.max(a, at);
          const to = Math.min(b, end);
          view.fill(0, at - pos, from - pos);
          await readerInto(reader, view.subarray(from - pos, to - pos), from);
          bytesRead += to - from;
          at = to;
        }
        view.fill(0, at - pos, end - pos);
        const n = end - pos;
        pos = end;
        return n;
      },
      close: async () => {},
    },
  };
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
  if (isImageReader(source)) return sequentialFromReader(source);
  if (typeof source === "string") {
    const { fh, size } = await openRandomAccess(source);
    let pos = 0;
    return {
      size,
      reader: {
        get bytesRead() {
          return pos;
        },
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
  let bytesRead = 0;
  return {
    size: null,
    reader: {
      get bytesRead() {
        return bytesRead;
      },
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
        bytesRead += done;
        return done;
      },
      async close() {
        await it.return?.();
      },
    },
  };
}
