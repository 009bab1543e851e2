// BlobWriter over S3: the pieces are copied (the caller reuses its buffers once write()
// resolves) and kept until commit, which PUTs them as one object; once the contiguous bytes
// reach the multipart threshold a multipart upload starts and every partSize of them goes out
// as a part (at most two parts in flight per writer, so memory stays ≈ 3 parts). commit()
// uploads the rest as the last part and completes the upload; abort() aborts it. Nothing is
// visible under the key before commit. The engine's packs (≈ 8 MiB) stay below the default
// threshold: one PUT each.
import type { CompletedPart } from "@aws-sdk/client-s3";
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import type { BlobWriter } from "../backend.ts";
import type { S3Requests } from "./s3-requests.ts";

/** Parts uploading at once per writer: bounds its memory to about (2 + 1) × partSize. */
const PARTS_IN_FLIGHT = 2;

export class S3BlobWriter implements BlobWriter {
  readonly #r: S3Requests;
  readonly #key: string;
  readonly #threshold: number;
  readonly #partSize: number;
  /** Pieces written beyond the contiguous run, by offset (writes may arrive out of order). */
  readonly #ahead = new Map<number, Buffer>();
  /** The contiguous bytes not yet handed to a part, starting at #sent. */
  #run: Buffer[] = [];
  #runBytes = 0;
  #sent = 0;
  #uploadId: Promise<string> | null = null;
  readonly #parts: Array<Promise<CompletedPart>> = [];
  readonly #inFlight = new Set<Promise<CompletedPart>>();
  #done = false;

  constructor(requests: S3Requests, key: string, threshold: number, partSize: number) {
    this.#r = requests;
    this.#key = key;
    this.#threshold = threshold;
    this.#partSize = partSize;
  }

  async write(parts: readonly Uint8Array[], offset: number): Promise<void> {
    if (this.#done) throw new Error(`write after commit or abort of ${this.#key}`);
    this.#ahead.set(offset, Buffer.concat(parts)); // a copy: the caller's memory is free on return
    for (let b = this.#ahead.get(this.#sent + this.#runBytes); b; b = this.#ahead.get(this.#sent + this.#runBytes)) {
      this.#ahead.delete(this.#sent + this.#runBytes);
      this.#run.push(b);
      this.#runBytes += b.length;
    }
    if (this.#uploadId === null && this.#sent + this.#runBytes < this.#threshold) return;
    while (this.#runBytes >= this.#partSize) {
      while (this.#inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(this.#inFlight).catch(() => {});
      this.#startPart(this.#take(this.#partSize));
    }
  }

  /** Removes the first n bytes of the run (n ≤ its length) as one buffer. */
  #take(n: number): Buffer {
    const all = Buffer.concat(this.#run, this.#runBytes);
    this.#run = n < all.length ? [all.subarray(n)] : [];
    this.#runBytes = all.length - n;
    this.#sent += n;
    return all.subarray(0, n);
  }

  #startPart(body: Buffer): void {
    this.#uploadId ??= this.#r.run("CreateMultipartUpload", this.#key, (c, k, o) => c.send(new CreateMultipartUploadCommand(k), o)).then((out) => {
      if (!out.UploadId) throw new Error("CreateMultipartUpload returned no upload id");
      this.#r.uploadsInFlight.add(out.UploadId);
      return out.UploadId;
    });
    const PartNumber = this.#parts.length + 1;
    const part = this.#uploadId.then(async (UploadId) => {
      const out = await this.#r.run("UploadPart", this.#key, (c, k, o) => c.send(new UploadPartCommand({ ...k, UploadId, PartNumber, Body: body, ContentLength: body.length }), o));
      return { PartNumber, ETag: out.ETag };
    });
    part.catch(() => {}); // reported by commit()
    this.#parts.push(part);
    this.#inFlight.add(part);
    part.finally(() => this.#inFlight.delete(part)).catch(() => {});
  }

  async commit(): Promise<void> {
    if (this.#done) throw new Error(`commit after commit or abort of ${this.#key}`);
    this.#done = true;
    if (this.#ahead.size > 0) {
      await this.abort();
      throw new Error(`blob ${this.#key} has a hole at offset ${this.#sent + this.#runBytes}`);
    }
    try {
      if (this.#uploadId === null) {
        const body = Buffer.concat(this.#run, this.#runBytes);
        await this.#r.putBody(this.#key, body);
        return;
      }
      if (this.#runBytes > 0) this.#startPart(this.#take(this.#runBytes));
      const UploadId = await this.#uploadId;
      const Parts = await Promise.all(this.#parts);
      await this.#r.run("CompleteMultipartUpload", this.#key, (c, k, o) => c.send(new CompleteMultipartUploadCommand({ ...k, UploadId, MultipartUpload: { Parts } }), o));
      this.#r.uploadsInFlight.delete(UploadId);
    } catch (err) {
      await this.#abortUpload();
      throw err;
    } finally {
      this.#run = [];
    }
  }

  async abort(): Promise<void> {
    this.#done = true;
    this.#run = [];
    this.#ahead.clear();
    await this.#abortUpload();
  }

  async #abortUpload(): Promise<void> {
    const id = await this.#uploadId?.catch(() => null);
    if (!id) return;
    await Promise.allSettled(this.#parts);
    // best effort: an upload left behind is aborted by GC's sweep after the grace period
    await this.#r.run("AbortMultipartUpload", this.#key, (c, k, o) => c.send(new AbortMultipartUploadCommand({ ...k, UploadId: id }), o)).catch(() => {});
    this.#r.uploadsInFlight.delete(id);
  }
}
