// Public surface of the protection store library.
export type { BlobBackend, BlobInfo } from "./backend.ts";
export { LocalDirBackend } from "./backends/local-dir.ts";
export type { BackupOptions } from "./backup.ts";
export type { ChangedRange } from "./backup-incremental.ts";
export type { ChunkingParams } from "./chunker.ts";
export { DEFAULT_CHUNKING } from "./chunker.ts";
export type { CopyReport } from "./copy.ts";
export * from "./errors.ts";
export type { GcOptions, GcReport } from "./gc.ts";
export { DEFAULT_GC_GRACE_MS } from "./gc.ts";
export type { ImageSource } from "./image-source.ts";
export type { BackupStats, Manifest } from "./manifest.ts";
export type { BackupSummary, CreateOptions, OpenOptions, RestoreOptions } from "./protection-store.ts";
export { ProtectionStore } from "./protection-store.ts";
export type { RepairReport } from "./repair-index.ts";
export type { StoreStats } from "./stats.ts";
export type { DamagedChunk, VerifyReport } from "./verify.ts";
export { prefaultSharedSlots } from "./worker-pool.ts";
