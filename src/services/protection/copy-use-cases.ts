// PATCH and DELETE of a VM's snapshots and backups, and the expiry worker's deletes. A PATCH is
// checked and applied in the request's transaction together with its operation (202), so a
// snapshot's lock extension is in force the moment it is acknowledged; a backup's lockedUntil is
// applied by the operation once its store holds the lock (copy-locks.ts), so no backup is
// reported locked before its objects are. A delete marks the copy DELETING and queues
// its job in one transaction, refused (412) while the copy is locked; the job removes the data
// and then the row (copy-deletes.ts).
import type { Static } from "typebox";
import type { Actor } from "../../domain/actor.ts";
import { AppError } from "../../domain/app-error.ts";
import { ensureUnlocked, isDue, patchRetention } from "../../domain/copy-retention.ts";
import type { OperationOutcome } from "../../domain/outcome.ts";
import type { CopyUpdateSchema } from "../../domain/schemas/copy-schemas.ts";
import type { ResourceRef, UnitOfWork } from "../async-operations.ts";
import { type CopiesContext, repositoryOf } from "./copies.ts";
import type { CopyDoc } from "./copy-documents.ts";
import type { CopyRef } from "./copy-index.ts";
import type { CopyKind } from "./copy-records.ts";

export const JOB_COPY_UPDATE = "copy.update";
export const JOB_COPY_DELETE = "copy.delete";
/** Who the expiry worker's deletes are by (an operation's userId). */
export const EXPIRY_USER = "obr-expiry";

export type CopyUpdateCommand = Static<typeof CopyUpdateSchema>;

export interface CopyUseCases {
  update(actor: Actor, kind: CopyKind, vmId: string, copyId: string, patch: CopyUpdateCommand, ifMatch?: number): Promise<OperationOutcome>;
  remove(actor: Actor, kind: CopyKind, vmId: string, copyId: string, ifMatch?: number): Promise<OperationOutcome>;
  /** Queues the delete of a copy that expired and is unlocked (once: the job key is the copy); undefined when it is not due. */
  expire(copy: CopyRef): Promise<string | undefined>;
}

export const copyResource = (doc: CopyDoc): ResourceRef => ({ name: doc.name, resourceUri: doc.resourceUri, type: doc.type });
export const describeCopy = (kind: CopyKind, doc: { name: string }) => `${kind} '${doc.name}'`;
export const deleteJobKey = (kind: CopyKind, id: string) => `copy-delete:${kind}:${id}`;

export function copyUseCases(ctx: CopiesContext): CopyUseCases {
  const now = () => ctx.clock.now();

  /** The copy of that VM, locked for this transaction; another VM's copy is not there. */
  async function load(kind: CopyKind, customerId: string, vmId: string, id: string, uow: UnitOfWork): Promise<CopyDoc> {
    const doc = await repositoryOf(ctx, kind).get<CopyDoc>(customerId, id, uow, true);
    if (!doc || doc.assetInfo.id !== vmId) throw AppError.notFound(`${kind} '${id}' of virtual machine '${vmId}' not found`);
    return doc;
  }

  async function startDelete(
    kind: CopyKind,
    customerId: string,
    userId: string,
    vmId: string,
    id: string,
    ifMatch: number | undefined,
    when: (doc: CopyDoc) => boolean,
  ): Promise<string | undefined> {
    const repository = repositoryOf(ctx, kind);
    const started = await repository.transaction(async (uow) => {
      const current = await load(kind, customerId, vmId, id, uow);
      if (!when(current)) return undefined;
      const what = describeCopy(kind, current);
      ensureUnlocked(current, now(), what);
      const doc =
        current.state === "DELETING"
          ? current // a second DELETE returns the running operation (its job key)
          : await repository.update<CopyDoc>(
              customerId,
              id,
              ifMatch,
              (d) => {
                d.state = "DELETING";
                d.stateReason = "being deleted";
                return d;
              },
              uow,
            );
      return ctx.operations.create(
        {
          customerId,
          userId,
          name: `Delete ${what} of virtual machine ${doc.assetInfo.name ?? vmId}`,
          sourceResourceUri: doc.resourceUri,
          associatedResources: [copyResource(doc)],
          jobType: JOB_COPY_DELETE,
          payload: { kind, copyId: id, vmId },
          jobKey: deleteJobKey(kind, id),
        },
        uow,
      );
    });
    if (started) ctx.wake();
    return started?.id;
  }

  return {
    async update(actor, kind, vmId, copyId, patch, ifMatch) {
      const repository = repositoryOf(ctx, kind);
      let lockedUntil: string | undefined;
      const op = await ctx.operations.start(
        async (uow) => {
          await load(kind, actor.workspaceId, vmId, copyId, uow);
          return repository.update<CopyDoc>(
            actor.workspaceId,
            copyId,
            ifMatch,
            (doc) => {
              const what = describeCopy(kind, doc);
              // compat: 412 (the contract's) for a copy whose delete is under way.
              if (doc.state === "DELETING") throw AppError.preconditionFailed(`${what} is being deleted`);
              const retention = patchRetention(doc, patch, now(), what);
              if (retention.expiresAt !== undefined) doc.expiresAt = retention.expiresAt;
              if (retention.lockedUntil !== undefined && retention.lockedUntil !== doc.lockedUntil) {
                if (kind === "backup") lockedUntil = retention.lockedUntil;
                else doc.lockedUntil = retention.lockedUntil;
              }
              if (patch.name !== undefined) doc.name = patch.name;
              if (patch.description !== undefined) doc.description = patch.description;
              return doc;
            },
            uow,
          );
        },
        (doc) => ({
          customerId: actor.workspaceId,
          userId: actor.clientId,
          name: `Update ${describeCopy(kind, doc)} of virtual machine ${doc.assetInfo.name ?? vmId}`,
          sourceResourceUri: doc.resourceUri,
          associatedResources: [copyResource(doc)],
          jobType: JOB_COPY_UPDATE,
          payload: { kind, copyId, vmId, ...(lockedUntil !== undefined ? { lockedUntil } : {}) },
        }),
      );
      ctx.wake();
      return { operationId: op.operation.id };
    },

    async remove(actor, kind, vmId, copyId, ifMatch) {
      const id = await startDelete(kind, actor.workspaceId, actor.clientId, vmId, copyId, ifMatch, () => true);
      if (id === undefined) throw new Error("a delete was not started");
      return { operationId: id };
    },

    expire(copy) {
      return startDelete(copy.kind, copy.customerId, EXPIRY_USER, copy.assetId, copy.id, undefined, (doc) => doc.state === "OK" && isDue(doc, now()));
    },
  };
}
