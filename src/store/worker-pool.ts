// Chunk workers (one per core) and a pool of reusable shared buffers ("slots") that carry image
// data to them. One ThreadPool serves every store of the process: threads and slot memory are
// bounded per process, not per open store, and a service pays the threads' start-up (~0.25 s)
// once instead of per backup. Idle workers are unref'd, so they never keep a process alive.
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { SEGMENT } from "./chunker.ts";
import { Semaphore } from "./concurrency.ts";
import { longLivedSharedBuffer } from "../platform/long-lived-buffer.ts";
import type { ChunkResult, ChunkTask, DecodeResult, DecodeTask, DiffResult, DiffTask, EncodeResult, EncodeTask, HashResult, HashTask, StoreProfile, WorkerMessage, WorkerTask } from "./worker-protocol.ts";

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export class ThreadPool {
  readonly #workers: Worker[] = [];
  readonly #idle: Worker[] = [];
  readonly #queue: Array<{ msg: Omit<WorkerMessage, "seq">; p: Pending }> = [];
  readonly #pending = new Map<number, Pending>();
  readonly #slots: SharedArrayBuffer[] = [];
  readonly #slotSem: Semaphore;
  readonly slotSize: number;
  #seq = 0;
  #failed: Error | null = null;

  /** prefault: fault the slots in as they are made (a long-running service; see long-lived-buffer.ts) */
  constructor(opts: { threads?: number; slots?: number; slotSize?: number; prefault?: boolean } = {}) {
    const threads = opts.threads ?? Math.max(1, availableParallelism());
    this.slotSize = opts.slotSize ?? SEGMENT;
    const slots = opts.slots ?? threads * 3;
    this.#slotSem = new Semaphore(slots);
    for (let i = 0; i < slots; i++) {
      this.#slots.push(longLivedSharedBuffer(this.slotSize, { prefault: opts.prefault === true }));
    }
    for (let i = 0; i < threads; i++) {
      const w = new Worker(new URL("./chunk-worker.ts", import.meta.url), { env: workerEnv() });
      w.on("message", (m: { seq: number; result?: unknown; error?: string }) => this.#onMessage(w, m));
      w.on("error", (err) => this.#fail(err));
      w.unref();
      this.#workers.push(w);
      this.#idle.push(w);
    }
  }

  /** A free slot; hold it until the data in it is no longer needed, then releaseSlot(). */
  async acquireSlot(): Promise<SharedArrayBuffer> {
    await this.#slotSem.acquire();
    const s = this.#slots.pop();
    if (!s) throw new Error("slot pool underflow");
    return s;
  }

  releaseSlot(slot: SharedArrayBuffer): void {
    this.#slots.push(slot);
    this.#slotSem.release();
  }

  run(profile: StoreProfile, task: WorkerTask): Promise<unknown> {
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => {
      this.#queue.push({ msg: { profile, task }, p: { resolve, reject } });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }

  #dispatch(): void {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const w = this.#idle.pop() as Worker;
      const job = this.#queue.shift()!;
      const seq = ++this.#seq;
      this.#pending.set(seq, job.p);
      w.ref(); // keep the process alive while work is outstanding
      w.postMessage({ seq, ...job.msg } satisfies WorkerMessage);
    }
  }

  #onMessage(w: Worker, m: { seq: number; result?: unknown; error?: string }): void {
    const p = this.#pending.get(m.seq);
    this.#pending.delete(m.seq);
    this.#idle.push(w);
    w.unref();
    if (p) {
      if (m.error !== undefined) p.reject(new Error(`chunk worker: ${m.error}`));
      else p.resolve(m.result);
    }
    this.#dispatch();
  }

  #fail(err: Error): void {
    this.#failed = err;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    for (const j of this.#queue.splice(0)) j.p.reject(err);
  }
}

/**
 * Workers use Node's compile cache: without it each one loads the TypeScript stripper and
 * strips its modules again, and answers its first task ~0.4 s after creation instead of
 * ~0.16 s (measured here), which short operations (a changed-range incremental) feel.
 */
function workerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), "node-compile-cache") };
}

let shared: ThreadPool | null = null;
let prefaultShared = false;

/** Called by a long-running process (the service): the shared pool's slots are faulted in when it starts. */
export function prefaultSharedSlots(): void {
  prefaultShared = true;
}

/** The process-wide pool, started on first use. */
export function sharedThreadPool(): ThreadPool {
  shared ??= new ThreadPool({ prefault: prefaultShared });
  return shared;
}

/** One store's view of a thread pool: every task carries the store's profile. */
export class WorkerPool {
  readonly #threads: ThreadPool;
  readonly #profile: StoreProfile;
  readonly slotSize: number;

  constructor(threads: ThreadPool, profile: StoreProfile) {
    this.#threads = threads;
    this.#profile = profile;
    this.slotSize = threads.slotSize;
  }

  acquireSlot(): Promise<SharedArrayBuffer> {
    return this.#threads.acquireSlot();
  }
  releaseSlot(slot: SharedArrayBuffer): void {
    this.#threads.releaseSlot(slot);
  }
  chunk(t: Omit<ChunkTask, "op">): Promise<ChunkResult> {
    return this.#threads.run(this.#profile, { op: "chunk", ...t }) as Promise<ChunkResult>;
  }
  diff(t: Omit<DiffTask, "op">): Promise<DiffResult> {
    return this.#threads.run(this.#profile, { op: "diff", ...t }) as Promise<DiffResult>;
  }
  encode(t: Omit<EncodeTask, "op">): Promise<EncodeResult> {
    return this.#threads.run(this.#profile, { op: "encode", ...t }) as Promise<EncodeResult>;
  }
  hash(t: Omit<HashTask, "op">): Promise<HashResult> {
    return this.#threads.run(this.#profile, { op: "hash", ...t }) as Promise<HashResult>;
  }
  decode(t: Omit<DecodeTask, "op">): Promise<DecodeResult> {
    return this.#threads.run(this.#profile, { op: "decode", ...t }) as Promise<DecodeResult>;
  }
}
