// The collections the command line lists and shows, each with the columns a person wants to see.
import type { Column } from "./output.ts";

export interface Noun {
  /** The command's name ("vms") and what one item is called in messages. */
  name: string;
  what: string;
  path: string;
  description: string;
  columns: Column[];
  /** The attribute `<noun> get <name>` looks the name up in; undefined: ids only. */
  nameAttr?: string;
}

const id: Column = { header: "ID", value: "id" };
const name: Column = { header: "NAME", value: "name" };

export const NOUNS: readonly Noun[] = [
  {
    name: "vms",
    what: "virtual machine",
    path: "/virtualization/v1beta1/virtual-machines",
    description: "virtual machines of the registered hypervisor managers",
    nameAttr: "name",
    columns: [id, name, { header: "POWER", value: "powerState" }, { header: "PROTECTION", value: "protectionStatus" }, { header: "HOST", value: "hostInfo/name" }],
  },
  {
    name: "policies",
    what: "protection policy",
    path: "/backup-recovery/v1beta1/protection-policies",
    description: "protection policies (tiers of snapshots, backups and cloud backups on schedules)",
    nameAttr: "name",
    columns: [id, name, { header: "ASSIGNED", value: "assigned" }, { header: "TIERS", value: (p) => tiersOf(p) }],
  },
  {
    name: "jobs",
    what: "protection job",
    path: "/backup-recovery/v1beta1/protection-jobs",
    description: "protection jobs (a policy on a VM)",
    columns: [id, { header: "VM", value: "assetInfo/name" }, { header: "POLICY", value: "protectionPolicyInfo/name" }, { header: "OPERATIONAL", value: "operational" }],
  },
  {
    name: "operations",
    what: "async operation",
    path: "/data-services/v1beta1/async-operations",
    description: "async operations (what the server is doing and did)",
    columns: [id, { header: "NAME", value: "displayName" }, { header: "STATE", value: "state" }, { header: "%", value: "progressPercent" }, { header: "STARTED", value: "startedAt" }],
  },
  {
    name: "stores",
    what: "protection store",
    path: "/backup-recovery/v1beta1/protection-stores",
    description: "protection stores (on-premises and cloud)",
    nameAttr: "displayName",
    columns: [id, { header: "NAME", value: "displayName" }, { header: "TYPE", value: "protectionStoreType" }, { header: "STATE", value: "state" }, { header: "STATUS", value: "status" }],
  },
  {
    name: "orchestrators",
    what: "data orchestrator",
    path: "/backup-recovery/v1beta1/data-orchestrators",
    description: "data orchestrators (where protection work runs)",
    nameAttr: "name",
    columns: [id, name, { header: "STATE", value: "state" }, { header: "STATUS", value: "status" }],
  },
  {
    name: "gateways",
    what: "protection store gateway",
    path: "/backup-recovery/v1beta1/protection-store-gateways",
    description: "protection store gateways",
    nameAttr: "name",
    columns: [id, name, { header: "STATE", value: "state" }, { header: "STATUS", value: "status" }],
  },
];

function tiersOf(policy: unknown): string {
  const protections = typeof policy === "object" && policy !== null ? Reflect.get(policy, "protections") : undefined;
  if (!Array.isArray(protections)) return "-";
  return protections.map((p: unknown) => String(typeof p === "object" && p !== null ? Reflect.get(p, "type") : "?")).join(" > ");
}
