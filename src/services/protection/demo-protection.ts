// `npm start` on an empty data dir: once the demo stores are ONLINE, a three-tier policy as in the
// HPE blog (hourly snapshots, daily backups to the demo on-premises store, weekly cloud backups to
// the demo cloud store) assigned to two demo VMs, through the same use cases as the API, so the
// first runs start within a minute. Idempotent: an existing policy of that name and existing jobs
// are reused, and once done a marker file keeps a deleted demo policy or job deleted.
import { writeFile } from "node:fs/promises";
import type { Actor } from "../../domain/actor.ts";
import { nameKey } from "../../domain/unique-name.ts";
import type { DocumentRepository, StoredDocument } from "../ports/documents.ts";
import type { ProtectionPolicyUseCases } from "../protection-policies.ts";
import type { ProtectionJobUseCases } from "./protection-jobs.ts";
import { pathExists } from "../../platform/path-exists.ts";

export const DEMO_POLICY_NAME = "Demo three-tier policy";
const DEMO_ON_PREMISES = "Demo on-premises store";
const DEMO_CLOUD = "Demo cloud store";
const DEMO_VM_COUNT = 2;

export interface DemoProtectionDeps {
  policies: ProtectionPolicyUseCases;
  jobs: ProtectionJobUseCases;
  policyRepository: DocumentRepository;
  storeRepository: DocumentRepository;
  vmRepository: DocumentRepository;
  admin: Actor;
  /** The demo lab's hypervisor manager, whose first VMs (by name) are protected. */
  managerId: string;
  /** Written once the demo protection exists (in the data dir). */
  marker: string;
}

export interface DemoProtection {
  policyId: string;
  /** The protected VMs, with the operation that assigned each (absent for a job that existed). */
  vms: { name: string; operationId?: string }[];
}


async function all(repository: DocumentRepository, workspaceId: string, scope?: { column: string; value: string }): Promise<StoredDocument[]> {
  const page = await repository.list(workspaceId, { orderBy: [], offset: 0, limit: 10_000 }, scope);
  return page.docs.map((d) => JSON.parse(d) as StoredDocument);
}

export async function createDemoProtection(deps: DemoProtectionDeps): Promise<DemoProtection | undefined> {
  const { admin } = deps;
  if (await pathExists(deps.marker)) return undefined;
  const stores = await all(deps.storeRepository, admin.workspaceId);
  const store = (name: string) => stores.find((s) => s.displayName === name && s.state === "ONLINE")?.id;
  const onPremises = store(DEMO_ON_PREMISES);
  const cloud = store(DEMO_CLOUD);
  if (onPremises === undefined || cloud === undefined) return undefined;
  let policyId = await deps.policyRepository.findIdBy(admin.workspaceId, "name_key", nameKey(DEMO_POLICY_NAME));
  if (policyId === undefined) {
    const { resource } = await deps.policies.create(admin, {
      name: DEMO_POLICY_NAME,
      description: "Built by obr on first start (OBR_DEMO=0 turns this off): the HPE blog's three tiers",
      applicationType: "VMWARE",
      protections: [
        {
          type: "SNAPSHOT",
          schedules: [{ scheduleId: 1, name: "Hourly snapshots", schedule: { recurrence: "HOURLY", repeatInterval: { every: 1, on: [0] } }, expireAfter: { unit: "DAYS", value: 1 } }],
        },
        {
          type: "BACKUP",
          protectionStoreId: onPremises,
          schedules: [
            {
              scheduleId: 2,
              name: "Daily backups",
              sourceProtectionScheduleId: 1,
              schedule: { recurrence: "DAILY", repeatInterval: { every: 1 }, startTime: "01:00" },
              expireAfter: { unit: "WEEKS", value: 2 },
              lockFor: { unit: "DAYS", value: 3 },
            },
          ],
        },
        {
          type: "CLOUD_BACKUP",
          protectionStoreId: cloud,
          schedules: [
            {
              scheduleId: 3,
              name: "Weekly cloud backups",
              sourceProtectionScheduleId: 2,
              schedule: { recurrence: "WEEKLY", repeatInterval: { every: 1, on: [6] }, startTime: "03:00" },
              expireAfter: { unit: "MONTHS", value: 3 },
            },
          ],
        },
      ],
    });
    policyId = "id" in resource && typeof resource.id === "string" ? resource.id : undefined;
    if (policyId === undefined) return undefined;
  }
  const vms = (await all(deps.vmRepository, admin.workspaceId, { column: "hypervisor_manager_id", value: deps.managerId }))
    .filter((vm) => vm.state !== "DELETED")
    .sort((a, b) => String(a.name).localeCompare(String(b.name)))
    .slice(0, DEMO_VM_COUNT);
  const out: DemoProtection = { policyId, vms: [] };
  for (const vm of vms) {
    const name = String(vm.name);
    if (await deps.jobs.findByAsset(admin.workspaceId, vm.id)) {
      out.vms.push({ name });
      continue;
    }
    const { operationId } = await deps.jobs.create(admin, { assetInfo: { id: vm.id, type: "hybrid-cloud/virtual-machine" }, protectionPolicyId: policyId });
    out.vms.push({ name, operationId });
  }
  await writeFile(deps.marker, `${new Date().toISOString()}\n`);
  return out;
}
