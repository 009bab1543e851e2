// Messages between the engine and chunk workers. Bulk data travels in SharedArrayBuffer slots
// (allocated once, reused: touching fresh pages is expensive on VMs).
import type { IdHash } from "./chunk-codec.ts";
import type { ChunkingParams } from "./chunker.ts";

/** What a worker needs to know about the store a task belongs to (threads serve every store). */
export interface StoreProfile {
  encKey: Uint8Array | null;
  idKey: Uint8Array | null;
  chunking: ChunkingParams;
  zstdLevel: number;
  idHash: IdHash;
}

/** Chunk and hash image bytes held in slot[0, length) = image [base, base + length). */
export interface ChunkTask {
  op: "chunk";
  slot: SharedArrayBuffer;
  length: number;
  base: number;
  from: number;
  final: boolean;
  /** Stop after the first cut that ends at one of these offsets (ascending): the caller resyncs there. */
  syncAt?: number[];
  /** Read image [base, base + length) from fd (a descriptor of this process) into the slot first. */
  fd?: number;
  /**
   * Also encode the cuts' chunks in place, as an encode task would, except zero extents and
   * these ids (chunks the store is known to hold): one task per changed-range window instead
   * of a read, a chunk and an encode task, each a round trip between threads.
   */
  encodeExcept?: string[];
}
export interface ChunkResult {
  /** [offset, length, id] per cut; id "" for a zero extent. */
  cuts: Array<[number, number, string]>;
  next: number;
  /** With encodeExcept: the frames of the cuts encoded, by index into cuts (one per id). */
  frames?: Array<EncodedFrame & { cut: number }>;
}

/** A frame encoded in place: its header, and its payload's length at the piece's offset in the slot. */
export interface EncodedFrame {
  header: Uint8Array;
  payloadLen: number;
}

/** Compress/encrypt the given pieces of the slot in place. */
export interface EncodeTask {
  op: "encode";
  slot: SharedArrayBuffer;
  base: number;
  pieces: ReadonlyArray<readonly [number, number, string]>;
}
export interface EncodeResult {
  /**
   * per piece: the frame header and the payload length; the payload is written over the
   * piece's own plaintext in the slot (never longer), so nothing is allocated or transferred
   */
  frames: EncodedFrame[];
}

/** Name the given pieces (slot ranges [off, off + len)) as the task's store names chunks. */
export interface HashTask {
  op: "hash";
  slot: SharedArrayBuffer;
  pieces: Array<[off: number, len: number]>;
}
export interface HashResult {
  ids: string[];
}

/**
 * Decode and verify frames held in slot ranges [off, off + len). Unless only verifying, each
 * plaintext is written to the slot at `out`.
 */
export interface DecodeItem {
  off: number;
  len: number;
  id: string;
  out: number;
  plainLen: number;
}

export interface DecodeTask {
  op: "decode";
  slot: SharedArrayBuffer;
  items: DecodeItem[];
  verifyOnly: boolean;
}
export interface DecodeResult {
  /** one entry per item: null when good, else the reason it failed. */
  errors: Array<string | null>;
  /** one entry per item: where its plaintext lies in the slot (`out`, or the raw payload's place) */
  at: number[];
}

/**
 * Which of the parent's extents ([offset, length, id], "" = zero) differ from the image bytes
 * at the same offsets. The worker reads them itself from fd (a descriptor of this process) in
 * pieces that stay in its CPU cache while they are hashed: reading 16 MiB segments into shared
 * slots on the main thread and hashing them later took about twice the memory traffic.
 */
export interface DiffTask {
  op: "diff";
  fd: number;
  extents: Array<[number, number, string]>;
}
export interface DiffResult {
  changed: Array<[number, number]>;
}

export type WorkerTask = ChunkTask | EncodeTask | DecodeTask | DiffTask | HashTask;

export type WorkerMessage = { seq: number; profile: StoreProfile; task: WorkerTask };
