// BlobBackend on an S3-compatible bucket (AWS S3, Ceph RGW, MinIO), through the AWS SDK v3.
// put = PutObject (durable once it returns: flush() has nothing to do); create = a BlobWriter
// that PUTs the blob whole at commit or, above the multipart threshold, uploads parts as they
// fill (s3-writer.ts); get/readAt = GetObject (readAt with a Range); stat/has = HeadObject;
// list = ListObjectsV2 page by page; delete = DeleteObject. putExclusive does not use
// conditional writes (ignored by RGW in versioned and Object Lock buckets): see s3-exclusive.ts.
// Every read checks it received the length the server announced, so a cut connection is an
// error, never a short blob; the engine re-hashes every chunk on top of that.
import { inspect } from "node:util";
import { Readable } from "node:stream";
import type { _Object } from "@aws-sdk/client-s3";
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { BlobBackend, BlobInfo, BlobWriter } from "../backend.ts";
import { isNotFound } from "../backend.ts";
import type { S3ClientOptions, S3Target } from "./s3-client.ts";
import { makeS3Client, S3RequestError, s3Name, s3Status } from "./s3-client.ts";
import { isClaimKey, putExclusiveByClaims, sweepStaleClaims } from "./s3-exclusive.ts";
import { S3Requests } from "./s3-requests.ts";
import { type BucketState, destroyPrefix, inspectBucket } from "./s3-bucket.ts";
import { readRetention, setComplianceRetention } from "./s3-retention.ts";
import type { RetentionReport } from "./s3-retention.ts";
import { sweepMultipartUploads } from "./s3-sweep.ts";
import { S3BlobWriter } from "./s3-writer.ts";

export type { S3Credentials, S3Target } from "./s3-client.ts";
export type { BucketState } from "./s3-bucket.ts";

export interface S3BackendOptions extends S3ClientOptions {
  /** Cancels every request in flight and every later one (ECANCELED). */
  signal?: AbortSignal;
  /** Requests in flight at once (default 16); also the socket pool's size. */
  concurrency?: number;
  /** Blobs written through create() at least this large go up as multipart uploads (default 32 MiB, minimum 5 MiB). */
  multipartThreshold?: number;
  /** Multipart part size (default 16 MiB, minimum 5 MiB: S3's limit for all but the last part). */
  partSize?: number;
  /** Keys per ListObjectsV2 page (default 1000, S3's maximum). */
  pageSize?: number;
  /** Lease of the GC lock and backup sessions (session.ts); default 60 s. */
  leaseMs?: number;
  /** Wait between writing a putExclusive claim and listing the claims (default 100 ms); see s3-exclusive.ts. */
  claimSettleMs?: number;
}

const MIN_PART = 5 << 20;

export class S3Backend implements BlobBackend {
  readonly leaseMs: number | undefined;
  readonly #r: S3Requests;
  readonly #endpoint: string;
  readonly #threshold: number;
  readonly #partSize: number;
  readonly #pageSize: number;
  readonly #settleMs: number;

  constructor(target: S3Target, opts: S3BackendOptions = {}) {
    const prefix = target.prefix ?? "";
    if (prefix !== "" && !prefix.endsWith("/")) throw new Error(`S3 prefix "${prefix}" must end with "/"`);
    this.#partSize = Math.max(MIN_PART, opts.partSize ?? 16 << 20);
    this.#threshold = Math.max(MIN_PART, opts.multipartThreshold ?? 32 << 20);
    this.#pageSize = opts.pageSize ?? 1000;
    this.#settleMs = opts.claimSettleMs ?? 100;
    this.leaseMs = opts.leaseMs;
    this.#endpoint = target.endpoint ?? `s3.${target.region}.amazonaws.com`;
    const client = makeS3Client(target, opts);
    this.#r = new S3Requests(client, target.bucket, prefix, opts.concurrency ?? 16, opts.signal);
  }

  /** Where the store is, without credentials (for messages and logs). */
  describe(): string {
    return `s3 ${this.#endpoint} bucket ${this.#r.bucket}${this.#r.prefix ? ` prefix ${this.#r.prefix}` : ""}`;
  }

  /** The index blobs' local copies are kept per endpoint, bucket and prefix. */
  cacheName(): string {
    return this.describe();
  }

  toJSON(): { backend: string } {
    return { backend: this.describe() };
  }

  [inspect.custom](): string {
    return `S3Backend(${this.describe()})`;
  }

  async put(key: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    await this.#r.putBody(key, data instanceof Uint8Array ? data : Buffer.concat(data));
  }

  async create(key: string): Promise<BlobWriter> {
    this.#r.loc(key); // a bad key fails now, not at commit
    return new S3BlobWriter(this.#r, key, this.#threshold, this.#partSize);
  }

  /** Every successful PUT is durable already. */
  async flush(): Promise<void> {}

  putExclusive(key: string, data: Uint8Array): Promise<boolean> {
    return putExclusiveByClaims(this, key, data, this.#settleMs);
  }

  async get(key: string): Promise<Buffer> {
    return this.#r.run("GetObject", key, async (c, loc, o) => {
      const out = await c.send(new GetObjectCommand(loc), o);
      const chunks: Uint8Array[] = [];
      let n = 0;
      for await (const chunk of bodyStream(out.Body)) {
        chunks.push(chunk);
        n += chunk.length;
      }
      checkLength(n, out.ContentLength, "GetObject", key);
      return Buffer.concat(chunks, n);
    });
  }

  async readAt(key: string, offset: number, target: Uint8Array): Promise<number> {
    if (target.length === 0) return (await this.stat(key)) ? 0 : Promise.reject(notFound(key));
    return this.#r.run("GetObject", key, async (c, loc, o) => {
      const out = await c.send(new GetObjectCommand({ ...loc, Range: `bytes=${offset}-${offset + target.length - 1}` }), o).catch((err: unknown) => {
        // the range starts at or past the end: nothing to read (the blob exists)
        if (s3Status(err) === 416 || s3Name(err) === "InvalidRange") return null;
        throw err;
      });
      if (!out) return 0;
      let n = 0;
      for await (const chunk of bodyStream(out.Body)) {
        if (n + chunk.length > target.length) throw new S3RequestError("EIO", `S3 GetObject ${key} (more bytes than the range asked for)`, undefined);
        target.set(chunk, n);
        n += chunk.length;
      }
      checkLength(n, out.ContentLength, "GetObject", key);
      return n;
    });
  }

  async has(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async stat(key: string): Promise<BlobInfo | null> {
    try {
      const out = await this.#r.run("HeadObject", key, (c, loc, o) => c.send(new HeadObjectCommand(loc), o));
      return { key, size: out.ContentLength ?? 0, mtimeMs: out.LastModified?.getTime() ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    return (await this.listRaw(prefix)).filter((o) => !isClaimKey(o.key));
  }

  async listKeys(prefix: string): Promise<string[]> {
    return (await this.list(prefix)).map((o) => o.key);
  }

  /** Every object under prefix, putExclusive's claims included, all pages. */
  async listRaw(prefix: string): Promise<BlobInfo[]> {
    const out: BlobInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.#r.run("ListObjectsV2", prefix, (c, loc, o) =>
        c.send(new ListObjectsV2Command({ Bucket: loc.Bucket, Prefix: loc.Key, MaxKeys: this.#pageSize, ...(token ? { ContinuationToken: token } : {}) }), o),
      );
      for (const obj of page.Contents ?? []) {
        const info = blobInfo(this.#r, obj);
        if (info) out.push(info);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async delete(key: string): Promise<void> {
    await this.#r.run("DeleteObject", key, (c, loc, o) => c.send(new DeleteObjectCommand(loc), o));
  }

  /**
   * GC's sweep: aborts multipart uploads under prefix started before olderThanMs ago (except
   * this process's own) and removes putExclusive claims left by crashed writers. Returns how many.
   */
  async sweepIncomplete(prefix: string, olderThanMs: number): Promise<number> {
    return (await sweepMultipartUploads(this.#r, prefix, olderThanMs)) + (await sweepStaleClaims(this, prefix));
  }

  /** Reachability with the credentials, versioning and Object Lock of the bucket (an Error saying why it cannot be used). */
  inspectBucket(): Promise<BucketState> {
    return inspectBucket(this.#r, this.#endpoint);
  }

  /** Removes every version of every object under the prefix; refused while any is retained. Returns how many. */
  destroyAll(): Promise<number> {
    if (this.#r.prefix === "") return Promise.reject(new Error("refusing to destroy a whole bucket: the store has no prefix"));
    return destroyPrefix(this.#r);
  }

  /**
   * Sets S3 Object Lock retention in COMPLIANCE mode until `until` on every key, never
   * shortening one already retained longer (needs a bucket with Object Lock enabled).
   */
  setRetention(keys: readonly string[], until: Date): Promise<RetentionReport> {
    return setComplianceRetention(this.#r, keys, until);
  }

  /**
   * The key's Object Lock retention while it holds, else null. A bucket without Object Lock
   * answers "no configuration" (null) too, so GC asks the same question of every bucket.
   */
  async retainedUntil(key: string): Promise<Date | null> {
    const until = await readRetention(this.#r, key);
    return until && until.getTime() > Date.now() ? until : null;
  }
}

function blobInfo(r: S3Requests, obj: _Object): BlobInfo | null {
  if (!obj.Key?.startsWith(r.prefix)) return null;
  return { key: r.storeKey(obj.Key), size: obj.Size ?? 0, mtimeMs: obj.LastModified?.getTime() ?? 0 };
}

/** The response body as a stream of byte chunks (Node gives an IncomingMessage). */
async function* bodyStream(body: unknown): AsyncGenerator<Uint8Array> {
  if (body instanceof Readable) {
    for await (const chunk of body) if (chunk instanceof Uint8Array) yield chunk;
    return;
  }
  if (body === undefined || body === null) return;
  throw new Error("S3 response body is not a Node stream");
}

/** A body shorter (or longer) than its Content-Length: a cut connection, never a shorter blob. */
function checkLength(got: number, announced: number | undefined, op: string, key: string): void {
  if (announced !== undefined && got !== announced) throw new S3RequestError("EIO", `S3 ${op} ${key} (short read: ${got} of ${announced} bytes)`, undefined);
}

function notFound(key: string): Error {
  return new S3RequestError("ENOENT", `S3 HeadObject ${key} (NotFound)`, 404);
}
