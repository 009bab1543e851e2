// What the protection workflow needs of a chunk store: disk images in and out at random
// positions, copies between stores, verification and deletion of one image. src/store/
// implements it (ProtectionStore); the ChunkStore port extends it. Shapes match the hypervisor
// connectors' DiskReader and DiskWriter, so a snapshot's disk goes straight into a store and a
// restore writes straight into a VM's disk. Every method rejects with the store's typed errors;
// an aborted signal ends the work with the store's cancellation error and leaves nothing listed.

export interface ByteRange {
  offset: number;
  length: number;
}

/** Reads an image at random positions (a snapshot's disk). */
export interface ImageReader {
  readonly capacityBytes: number;
  /** Exactly `length` bytes (clipped at the end); unallocated areas read as zeros. */
  read(offset: number, length: number): Promise<Buffer>;
  /** When offered: fills `into` with the bytes at `offset` (zeros past the end), so a backup reads into its own buffers. */
  readInto?(into: Uint8Array, offset: number): Promise<void>;
  /** Ranges that may hold data, sorted and merged; everything outside reads as zeros. */
  allocatedRanges(): Promise<ByteRange[]>;
}

/** Writes an image at random positions (a VM's disk being restored). */
export interface ImageWriter {
  readonly capacityBytes: number;
  write(offset: number, data: Uint8Array): Promise<void>;
  /** Makes the range read as zeros. */
  zero(offset: number, length: number): Promise<void>;
  /** Makes what was written durable. */
  flush(): Promise<void>;
}

export interface ImageWork {
  signal?: AbortSignal;
  /** Bytes done so far of the bytes this work has to do. */
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

/** Re-read and re-hash each pack written as soon as it is durable, while the work goes on (its verify-after-write). */
export interface VerifyAsWritten {
  verifyWritten?: boolean;
}

export interface ImageCopyOptions extends ImageWork, VerifyAsWritten {}

export interface ImageBackupOptions extends ImageWork, VerifyAsWritten {
  /** The previous image of the same disk in this store: recorded, and the base of an incremental. */
  parent?: string;
  /** With `parent`: the only ranges changed since it (changed-block tracking); the rest comes from the parent. */
  changedRanges?: readonly ByteRange[];
  /** Free text kept with the image (the run names its operation and disk, for the reconciler). */
  label?: string;
}

/** Chunks a backup or copy with verifyWritten re-read intact from their durable packs: id -> stored bytes. */
export type VerifiedOnWrite = ReadonlyMap<string, number>;

export interface BackedUpImage extends StoredImage {
  /** With verifyWritten: what the backup re-read and re-hashed as it wrote (for verifyImage). */
  verifiedOnWrite?: VerifiedOnWrite;
}

export interface StoredImage {
  imageId: string;
  sizeBytes: number;
  parent: string | null;
  label: string;
  createdAt: string;
  /** Source bytes read (a changed-range incremental reads only what changed). */
  bytesRead: number;
  /** Bytes of the image that are zero (stored as nothing). */
  zeroBytes: number;
  /** Framed bytes of the distinct chunks the image references. */
  storedBytes: number;
  /** Framed bytes this image added to the store. */
  newStoredBytes: number;
}

export interface ImageVerifyOptions extends ImageWork {
  /**
   * An image of the same store verified before (the previous backup of the disk): the chunks both
   * reference are only looked up (indexed, inside a pack that is there and long enough), not
   * re-read; the others, which this image added, are re-read and re-hashed. Unreadable: ignored.
   */
  verifiedBase?: string;
  /**
   * From the backup or copy that wrote this image (with verifyWritten): chunks already re-read and
   * re-hashed as their packs became durable. They are looked up only, and counted as checked.
   */
  verifiedOnWrite?: VerifiedOnWrite;
}

export interface ImageVerification {
  ok: boolean;
  /** Chunks re-read and re-hashed, and their stored bytes (those of verifiedOnWrite included). */
  chunksChecked: number;
  bytesChecked: number;
  /** Of chunksChecked: those re-read as the backup wrote them (verifiedOnWrite), looked up now. */
  chunksCheckedOnWrite: number;
  /** Chunks shared with `verifiedBase`, found in place without being re-read. */
  chunksFoundInPlace: number;
  /** One line per problem found (damaged chunk, unreadable manifest, missing pack). */
  problems: string[];
}

/** What lockImage did. */
export interface ImageLock {
  /** The storage itself now refuses to delete the image's objects until `until` (S3 Object Lock, COMPLIANCE). */
  enforced: boolean;
  /** Objects (manifest and packs) whose retention was set or extended now. */
  extended: number;
  /** Objects already retained until then or later. */
  kept: number;
  /** Why nothing was enforced (a directory, a bucket without Object Lock); empty when enforced. */
  note: string;
}

export interface ImageStore {
  backupImage(source: ImageReader, options?: ImageBackupOptions): Promise<BackedUpImage>;
  /** Writes the image byte-exact into `target`; zero areas become zero() calls, not writes. */
  restoreImage(imageId: string, target: ImageWriter, options?: ImageWork): Promise<void>;
  /** Copies the image into `to` (a store of the same implementation) moving only chunks it lacks; idempotent. */
  copyImage(imageId: string, to: ImageStore, options?: ImageCopyOptions): Promise<{ imageId: string; bytesMoved: number; verifiedOnWrite?: VerifiedOnWrite }>;
  /** Re-reads and re-hashes every chunk the image needs (those shared with options.verifiedBase: looked up only). */
  verifyImage(imageId: string, options?: ImageVerifyOptions): Promise<ImageVerification>;
  /** The image's facts, or undefined when the store does not hold it. */
  image(imageId: string): Promise<StoredImage | undefined>;
  listImages(): Promise<StoredImage[]>;
  /** Idempotent: an image the store does not hold is no error. Space returns with gc(). */
  deleteImage(imageId: string): Promise<void>;
  gc(): Promise<{ reclaimedBytes: number }>;
  /**
   * Makes the storage keep every object the image needs (its manifest and the packs holding its
   * chunks) until `until`, extending, never shortening, what is there. Where the storage cannot
   * enforce it (a directory, a bucket without Object Lock) nothing happens and the result says so.
   */
  lockImage(imageId: string, until: Date): Promise<ImageLock>;
}
