// ImageReader and ImageWriter over memory, as a hypervisor's snapshot disk and a VM's disk would
// be: the reader counts what is read (and may fail or stall on cue), the writer records its
// write, zero and flush calls.
import type { ByteRange, ImageReader, ImageWriter } from "../../services/infrastructure/image-store.ts";

export class MemoryReader implements ImageReader {
  readonly reads: ByteRange[] = [];
  /** Called before each read resolves (abort a signal, throw to fail the read). */
  onRead: ((r: ByteRange) => void | Promise<void>) | null = null;
  readonly #data: Buffer;
  readonly #allocated: ByteRange[];

  constructor(data: Buffer, allocated?: ByteRange[]) {
    this.#data = data;
    this.#allocated = allocated ?? [{ offset: 0, length: data.length }];
  }

  get capacityBytes(): number {
    return this.#data.length;
  }

  get bytesRead(): number {
    return this.reads.reduce((n, r) => n + r.length, 0);
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const end = Math.min(this.#data.length, offset + length);
    this.reads.push({ offset, length: end - offset });
    await this.onRead?.({ offset, length: end - offset });
    // a copy: the caller may keep it while this memory changes
    return Buffer.from(this.#data.subarray(offset, end));
  }

  async allocatedRanges(): Promise<ByteRange[]> {
    return this.#allocated;
  }
}

export class MemoryWriter implements ImageWriter {
  readonly data: Buffer;
  readonly writes: ByteRange[] = [];
  readonly zeros: ByteRange[] = [];
  flushes = 0;
  /** The calls in order ("write", "zero", "flush"). */
  readonly calls: string[] = [];

  constructor(data: Buffer) {
    this.data = data;
  }

  get capacityBytes(): number {
    return this.data.length;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    if (offset + data.length > this.data.length) throw new Error(`write past the end at ${offset}`);
    this.data.set(data, offset);
    this.writes.push({ offset, length: data.length });
    this.calls.push("write");
  }

  async zero(offset: number, length: number): Promise<void> {
    if (offset + length > this.data.length) throw new Error(`zero past the end at ${offset}`);
    this.data.fill(0, offset, offset + length);
    this.zeros.push({ offset, length });
    this.calls.push("zero");
  }

  async flush(): Promise<void> {
    this.flushes++;
    this.calls.push("flush");
  }
}
