// How a run describes the copies it makes: their origin, the VM configuration at the point in
// time, retention from the tier's durations, and the resource a tier operation names (which the
// next tier of the run reads back).
import { durationHours } from "../../domain/protection-policy-rules.ts";
import type { AsyncOperation, ResourceRef, UnitOfWork } from "../async-operations.ts";
import { POWER_STATE } from "../inventory/mappers/virtual-machine-mapper.ts";
import type { StoredDocument } from "../ports/documents.ts";
import type { VirtualMachine } from "../ports/hypervisor-connector.ts";
import { COPY_TYPE, copyUri } from "./copy-documents.ts";
import type { CopyKind, CopyOrigin, CopyRecord, CopyVmConfig } from "./copy-records.ts";
import type { ProtectionContext } from "./run-context.ts";
import type { ProtectionTierPayload } from "./run-tier-payload.ts";
import type { RunTier } from "./run-request.ts";

export const copyResource = (copy: Pick<CopyRecord, "kind" | "id" | "assetId" | "name">): ResourceRef => ({
  name: copy.name,
  resourceUri: copyUri(copy.kind, copy.assetId, copy.id),
  type: COPY_TYPE[copy.kind],
});

/** The copy of `kind` a tier operation made (from its associatedResources), if it made one. */
export function copyIdOf(op: AsyncOperation | undefined, kind: CopyKind): string | undefined {
  const ref = op?.associatedResources.find((r) => r.type === COPY_TYPE[kind]);
  return ref?.resourceUri.split("/").at(-1);
}

/** `at` plus the duration, or null for none. */
export function after(at: number, duration: RunTier["expireAfter"]): string | null {
  return duration ? new Date(at + durationHours(duration) * 3_600_000).toISOString() : null;
}

export function vmConfigOf(vm: VirtualMachine): CopyVmConfig {
  return {
    name: vm.name,
    numCpus: vm.numCpus,
    coresPerSocket: vm.coresPerSocket,
    memoryMib: vm.memoryMib,
    guestOsName: vm.guest.osName,
    powerState: POWER_STATE[vm.powerState],
    hostId: vm.hostId,
    datastoreId: vm.datastoreIds[0] ?? vm.disks[0]?.datastoreId ?? "",
    networkIds: vm.networkAdapters.map((a) => a.networkId),
  };
}

/** Who and what makes a tier's copy. */
export async function originOf(ctx: ProtectionContext, customerId: string, op: AsyncOperation, payload: ProtectionTierPayload, dataOrchestratorId: string, uow?: UnitOfWork): Promise<CopyOrigin> {
  const { run } = payload;
  const tier = run.tiers[payload.tier];
  const policy = await ctx.policies.get<StoredDocument & { name?: string }>(customerId, run.policyId, uow);
  return {
    customerId,
    assetId: run.assetId,
    operationId: op.id,
    // compat: the operation keeps the client's public id only; it names the copy's creator both ways.
    createdBy: { id: op.userId, name: op.userId },
    protectionJobId: run.protectionJobId,
    policy: policy ? { id: policy.id, name: policy.name ?? policy.id } : null,
    scheduleId: tier?.scheduleId ?? null,
    dataOrchestratorId,
  };
}

/** "web-01 2026-12-06T06:00:00.000Z (schedule 2)": a copy's name. */
export const copyName = (vmName: string, pointInTime: string, tier: RunTier): string => `${vmName} ${pointInTime} (schedule ${tier.scheduleId})`;
