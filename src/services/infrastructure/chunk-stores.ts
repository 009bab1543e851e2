// The port through which services reach chunk stores (src/store/ implements it; container.ts
// builds it). Services see a store as an ImageStore (disk images in and out, copies, verify,
// delete, GC: image-store.ts) that can also be measured and closed. Every method rejects with
// the store's own typed errors (src/store/errors.ts, each a StoreFailure of ports/store-error.ts), which
// src/services/failure-status.ts maps by kind.
import type { ImageStore } from "./image-store.ts";

/** An S3 bucket (and the part of it) a chunk store lives in, with the credentials that reach it. */
export interface S3StoreTarget {
  /** e.g. "http://127.0.0.1:7480"; omitted: AWS for the region. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** The store's own key prefix in the bucket, ending in "/" ("obr/<store id>/"). */
  prefix: string;
  /** Path-style addressing (endpoint/bucket/key), what Ceph and MinIO answer without DNS set-up. */
  forcePathStyle: boolean;
  accessKeyId: string;
  secretAccessKey: string;
}

/** A store in a directory. */
export interface DirectoryLocation {
  /** Absolute directory of the store. */
  dir: string;
  /** Secret that unlocks an encrypted store; undefined for a plain one. */
  key?: string;
}

/** A store under a prefix of an S3 bucket. */
export interface S3Location {
  s3: S3StoreTarget;
  key?: string;
}

/** Where a chunk store lives and how it is unlocked. */
export type ChunkStoreLocation = DirectoryLocation | S3Location;

/** What a cloud store's bucket offers (checked before a store is made in it). */
export interface BucketState {
  versioning: "Enabled" | "Suspended" | "Disabled";
  /** Object Lock enabled on the bucket (only possible at its creation; implies versioning): locked copies are then kept by the storage itself. */
  objectLock: boolean;
}

/** Where the location is, for messages and logs: never credentials. */
export function describeLocation(location: ChunkStoreLocation): string {
  return "dir" in location ? location.dir : `s3 ${location.s3.endpoint ?? location.s3.region} bucket ${location.s3.bucket} prefix ${location.s3.prefix}`;
}

/** What a store measures about itself (bytes are plain integers). */
export interface ChunkStoreStats {
  backups: number;
  /** Sum of the backups' image sizes: the user data the store holds. */
  logicalBytes: number;
  /** Bytes of every chunk frame in the store's packs. */
  storedBytes: number;
  /** Non-zero logical bytes per unique chunk byte (1 for an empty store). */
  dedupRatio: number;
}

export interface ChunkStore extends ImageStore {
  stats(): Promise<ChunkStoreStats>;
  close(): Promise<void>;
}

export interface ChunkStores<S extends ChunkStore = ChunkStore> {
  /** A new store at the location (StoreExistsError when one is there); encrypted iff a key is given. */
  create(location: ChunkStoreLocation): Promise<S>;
  /** The store at the location (StoreNotFoundError when none, WrongKeyError for a wrong key). */
  open(location: ChunkStoreLocation): Promise<S>;
  /** Removes the store's data; nothing there is no error (destroy is idempotent). Refused by the bucket while an object is retained. */
  destroy(location: ChunkStoreLocation): Promise<void>;
  /** The bucket's state, or an error saying why it cannot be reached ("bucket b on <endpoint>: no such bucket"). */
  inspectBucket(target: S3StoreTarget): Promise<BucketState>;
}
