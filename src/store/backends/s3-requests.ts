// Every S3 request of a backend goes through run(): at most `concurrency` at once (a request
// holds its slot until its body is read), cancelled by the backend's AbortSignal, failures
// mapped to errno-style errors (s3-client.ts). Keys are the store's; the object key adds the
// target's prefix.
import type { S3Client } from "@aws-sdk/client-s3";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { Semaphore } from "../concurrency.ts";
import { s3Error } from "./s3-client.ts";

/** Where a request goes: the SDK's own field names, so commands take it spread. */
export interface ObjectLocation {
  Bucket: string;
  Key: string;
}

export interface SendOptions {
  abortSignal?: AbortSignal;
}

export class S3Requests {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  /** Multipart uploads this process is writing: GC's sweep leaves them alone. */
  readonly uploadsInFlight = new Set<string>();
  readonly #slots: Semaphore;
  readonly #opts: SendOptions;

  constructor(client: S3Client, bucket: string, prefix: string, concurrency: number, signal: AbortSignal | undefined) {
    this.client = client;
    this.bucket = bucket;
    this.prefix = prefix;
    this.#slots = new Semaphore(concurrency);
    this.#opts = signal ? { abortSignal: signal } : {};
  }

  loc(key: string): ObjectLocation {
    if (key.includes("..") || key.startsWith("/")) throw new Error(`bad blob key ${key}`);
    return { Bucket: this.bucket, Key: this.prefix + key };
  }

  /** The store's key of an object key listed under the prefix. */
  storeKey(objectKey: string): string {
    return objectKey.slice(this.prefix.length);
  }

  /** Runs one request (and whatever fn reads of its body) in a slot; failures come out errno-style. */
  async run<T>(op: string, key: string, fn: (client: S3Client, loc: ObjectLocation, opts: SendOptions) => Promise<T>): Promise<T> {
    try {
      this.#opts.abortSignal?.throwIfAborted();
    } catch (err) {
      throw s3Error(err, op, key);
    }
    await this.#slots.acquire();
    try {
      return await fn(this.client, this.loc(key), this.#opts);
    } catch (err) {
      throw s3Error(err, op, key);
    } finally {
      this.#slots.release();
    }
  }

  async putBody(key: string, body: Uint8Array): Promise<void> {
    await this.run("PutObject", key, (c, loc, o) => c.send(new PutObjectCommand({ ...loc, Body: body, ContentLength: body.length }), o));
  }
}
