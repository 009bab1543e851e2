// The port to the copies' private columns and cross-document queries (src/db/copy-index.ts
// implements it over the `snapshots` and `backups` tables of migration 012). The documents
// themselves go through the collections' DocumentRepository; what is here never reaches a
// response: the run's parts of each copy, its origin key, and the questions the run, the expiry
// worker and a store's delete ask across documents.
import type { UnitOfWork } from "../ports/documents.ts";
import type { CopyDisk, CopyKind, CopyVmConfig } from "./copy-records.ts";

/** What the run made of a copy, kept beside the document and never shown. */
export interface CopyParts {
  disks: CopyDisk[];
  vmConfig: CopyVmConfig;
  /** Backups: 1 for a full backup, the parent's + 1 for an incremental; snapshots: 1. */
  chainGeneration: number;
}

/** The private columns of one copy row. */
export interface CopyPrivate {
  protectionJobId: string | null;
  parts: CopyParts;
}

/** Written with the document on insert. */
export interface NewCopyPrivate extends CopyPrivate {
  /** Unique per workspace and kind: the run's operation and disk set (a second add is a no-op). */
  originKey: string;
  /** Backups made from a backup: the live link (see migration 012), cleared before the source goes. */
  sourceBackupId: string | null;
}

export interface CopyRef {
  kind: CopyKind;
  customerId: string;
  id: string;
  assetId: string;
}

export interface NewestCriteria {
  protectionJobId?: string;
  scheduleId?: number;
  protectionStoreId?: string;
  backupType?: "BACKUP" | "CLOUD_BACKUP";
}

export interface CopyIndex {
  /** Columns for repository.insert's `extra`. */
  insertColumns(fields: NewCopyPrivate): Record<string, unknown>;
  privateOf(kind: CopyKind, customerId: string, id: string, uow?: UnitOfWork): Promise<CopyPrivate | undefined>;
  idByOrigin(kind: CopyKind, customerId: string, originKey: string, uow?: UnitOfWork): Promise<string | undefined>;
  /** The newest (pointInTime) usable copy of the asset (state OK, status not ERROR) matching every criterion. */
  newest(kind: CopyKind, customerId: string, assetId: string, where: NewestCriteria, uow?: UnitOfWork): Promise<string | undefined>;
  /** Whether the asset has any listed copy of either kind. */
  anyOf(customerId: string, assetId: string, uow?: UnitOfWork): Promise<boolean>;
  /** Backups in a store, and of those the ones locked beyond `nowIso`. */
  countInStore(customerId: string, storeId: string, nowIso: string, uow?: UnitOfWork): Promise<{ copies: number; locked: number }>;
  /** The parts of every backup in a store (the reconciler's image ids). */
  partsInStore(customerId: string, storeId: string, uow?: UnitOfWork): Promise<CopyParts[]>;
  /** Backups in a store, for a forced store delete. */
  idsInStore(customerId: string, storeId: string, uow?: UnitOfWork): Promise<CopyRef[]>;
  /** Across workspaces: copies in state OK whose expiresAt and lockedUntil are both at or before `nowIso`, oldest expiry first. */
  expired(nowIso: string, limit: number): Promise<CopyRef[]>;
  /** Clears the live source link of the backups made from `backupId` (before it is deleted). */
  unlinkSource(customerId: string, backupId: string, uow: UnitOfWork): Promise<void>;
}
