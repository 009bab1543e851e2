// A restore split where the data moves, as a protection tier is (tier-plan.ts): the control
// plane resolves the copy and the target into a RestorePlan (where the copy's data is: a store
// or a hypervisor snapshot; where it goes: a VM's disks or a new VM), the data orchestrator
// writes the disks and answers a RestoreResult (the VM it wrote), and the control plane records
// it (the VM's inventory, its busy state cleared) when the job ends.
import type { Static } from "typebox";
import { Type } from "typebox";
import { AppError } from "../../domain/app-error.ts";
import type { UnitOfWork } from "../async-operations.ts";
import type { CopyRecord } from "./copy-records.ts";
import type { ProtectionContext } from "./run-context.ts";
import type { RestorePayload } from "./restore-payload.ts";
import { CopyDiskSchema, CopyVmConfigSchema, StoreAt } from "./tier-plan.ts";
import { managerAddress, storeAt, vmAddress } from "./tier-plans.ts";

const Id = Type.String({ minLength: 1, maxLength: 200 });
const Address = Type.String({ minLength: 1, maxLength: 1000 });

export const RestorePlan = Type.Object({
  operationId: Id,
  copy: Type.Object({ kind: Type.Union([Type.Literal("snapshot"), Type.Literal("backup")]), id: Id, name: Type.String({ maxLength: 1000 }), pointInTime: Type.String({ maxLength: 40 }), vmConfig: CopyVmConfigSchema }),
  /** Where the copy's data is: a backup's store, or the VM whose hypervisor snapshot it is. */
  from: Type.Union([Type.Object({ store: StoreAt }), Type.Object({ address: Address, vmId: Id })]),
  /** Each disk of the copy to write, and the target VM's disk it overwrites (absent for a new VM). */
  disks: Type.Array(Type.Object({ disk: CopyDiskSchema, to: Type.Optional(Id) }), { minItems: 1, maxItems: 64 }),
  /** The payload's target, with its hypervisor's connector address. */
  address: Address,
});
export type RestorePlan = Static<typeof RestorePlan>;

export const RestoreResult = Type.Object({ vmId: Id, vmName: Type.String({ maxLength: 1000 }) });
export type RestoreResult = Static<typeof RestoreResult>;

export type CopySource = RestorePlan["from"];

/** Where a copy's data is read from: a backup's store, or the VM whose hypervisor snapshot it is. */
export async function copySource(ctx: ProtectionContext, customerId: string, copy: CopyRecord, uow?: UnitOfWork): Promise<CopySource> {
  if (copy.kind === "snapshot") return { address: (await vmAddress(ctx, customerId, copy.assetId, uow)).address, vmId: copy.assetId };
  if (!copy.protectionStoreId) throw AppError.conflict(`backup '${copy.id}' names no protection store`);
  return { store: await storeAt(ctx, customerId, copy.protectionStoreId, uow) };
}

export async function planRestore(ctx: ProtectionContext, customerId: string, operationId: string, payload: RestorePayload, uow?: UnitOfWork): Promise<RestorePlan> {
  const copy = await ctx.copies.get(customerId, payload.source.kind, payload.source.id, uow);
  if (!copy) throw AppError.conflict(`${payload.source.kind} '${payload.source.id}' no longer exists`);
  const from = await copySource(ctx, customerId, copy, uow);
  const disks = payload.disks.map((d) => {
    const disk = copy.disks.find((c) => c.diskId === d.from);
    if (!disk) throw AppError.conflict(`${copy.kind} '${copy.id}' has no disk '${d.from}'`);
    return { disk, ...(d.to !== undefined ? { to: d.to } : {}) };
  });
  return {
    operationId,
    copy: { kind: copy.kind, id: copy.id, name: copy.name, pointInTime: copy.pointInTime, vmConfig: copy.vmConfig },
    from,
    disks,
    address: await managerAddress(ctx, customerId, payload.target.managerId, uow),
  };
}
