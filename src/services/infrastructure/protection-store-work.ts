// The chunk-store side of the protection-store operations, run by their jobs: create the store
// (a resumed create opens what the first run made), destroy it, bind a cloud store to another
// storage system. Each ends by measuring the store into its document (refreshStore).
import { AppError } from "../../domain/app-error.ts";
import type { ResourceRef, UnitOfWork } from "../async-operations.ts";
import { type ProtectionStoreContext, type ProtectionStoreDoc, locate, refreshStore, storeResource, systemFields } from "./protection-store-state.ts";

async function load(ctx: ProtectionStoreContext, customerId: string, storeId: string): Promise<ProtectionStoreDoc | undefined> {
  return ctx.repository.get<ProtectionStoreDoc>(customerId, storeId);
}

/**
 * A new cloud store of a location with an S3 target goes into that bucket under <prefix>obr/<id>/:
 * the bucket is checked first (reachable with the credentials: else the create fails saying
 * why), and the target is kept with the store's key, so the store opens wherever it was made.
 */
async function placeInBucket(ctx: ProtectionStoreContext, doc: ProtectionStoreDoc, log: (line: string) => Promise<void>): Promise<void> {
  if (doc.protectionStoreType !== "CLOUD" || (await ctx.keys.target(doc.id))) return;
  const configured = doc.region === undefined ? undefined : ctx.s3Targets.get(doc.region);
  if (!configured) return;
  const { prefix, forcePathStyle, ...rest } = configured;
  const target = { ...rest, prefix: `${prefix ?? ""}obr/${doc.id}/`, forcePathStyle: forcePathStyle ?? true };
  const state = await ctx.registry.inspectBucket(target);
  const locks = state.objectLock ? "Object Lock enabled: locked copies are kept by the bucket (COMPLIANCE)" : "no Object Lock: locks are kept by obr only";
  await log(`bucket ${target.bucket} on ${target.endpoint ?? `AWS ${target.region}`}: versioning ${state.versioning}, ${locks}; the store goes under ${target.prefix}`);
  await ctx.keys.ensureTarget(doc.id, target);
}

export async function provisionStore(ctx: ProtectionStoreContext, customerId: string, storeId: string, log: (line: string) => Promise<void> = async () => {}): Promise<ResourceRef[]> {
  const doc = await load(ctx, customerId, storeId);
  if (!doc) throw AppError.notFound(`protection store ${storeId} no longer exists`);
  await placeInBucket(ctx, doc, log);
  const location = await locate(ctx, doc, true);
  if (!location) throw AppError.badRequest(`storage system ${doc.storageSystemInfo?.id ?? "(none)"} no longer exists`);
  try {
    await ctx.registry.create(storeId, location);
  } catch (err) {
    // A create interrupted after the store was written resumes by opening it.
    if (!(err instanceof Error && "code" in err && err.code === "STORE_EXISTS")) throw err;
    await ctx.registry.open(storeId, location);
  }
  const done = await refreshStore(ctx, customerId, storeId, { settle: true });
  if (done?.state !== "ONLINE") throw new Error(done?.stateReason ?? "the store did not come online");
  return [storeResource(done)];
}

export async function destroyStore(ctx: ProtectionStoreContext, customerId: string, storeId: string): Promise<ResourceRef[]> {
  const doc = await load(ctx, customerId, storeId);
  if (!doc) return []; // deleted by an earlier run of this job
  // Checked again here: a copy may have been locked since the request was accepted.
  const refuseLocked = async (uow?: UnitOfWork) => {
    const held = await ctx.copies.count(customerId, storeId, uow);
    if (held.locked > 0) throw AppError.badRequest(`protection store '${doc.displayName}' holds ${held.locked} locked copies`);
  };
  await refuseLocked();
  const location = await locate(ctx, doc);
  // An on-premises store whose storage system is gone has no data left to remove.
  if (location) await ctx.registry.destroy(storeId, location);
  else await ctx.registry.release(storeId);
  await ctx.keys.remove(storeId);
  // And once more in the row's delete transaction, so no copy locked meanwhile loses its store.
  // A forced delete drops the rows of the copies it held in the same transaction (their data is gone).
  await ctx.repository.delete(customerId, storeId, undefined, async (_doc, uow) => {
    await refuseLocked(uow);
    await ctx.copies.forget?.(customerId, storeId, uow);
  });
  return [storeResource(doc)];
}

export async function reattachStore(ctx: ProtectionStoreContext, customerId: string, storeId: string, storageSystemId: string): Promise<ResourceRef[]> {
  const system = await ctx.storageSystems.find(customerId, storageSystemId);
  if (!system) throw AppError.badRequest(`storage system ${storageSystemId} no longer exists`);
  await ctx.repository.update<ProtectionStoreDoc>(customerId, storeId, undefined, (doc) => ({ ...doc, ...systemFields(system) }));
  // The new orchestrators open the store afresh: the key and data must still be there.
  await ctx.registry.release(storeId);
  const done = await refreshStore(ctx, customerId, storeId, { settle: true });
  if (done?.state !== "ONLINE") throw new Error(done?.stateReason ?? "the store did not come online");
  return [storeResource(done)];
}

/** After a failed create, delete or reattach: the store's state says what is true now. */
/** Settles a store after a failed operation, inside `uow` (the transaction that ends it). */
export async function settleStore(ctx: ProtectionStoreContext, customerId: string, storeId: string, uow?: UnitOfWork): Promise<void> {
  await refreshStore(ctx, customerId, storeId, { settle: true, ...(uow ? { uow } : {}) });
}
