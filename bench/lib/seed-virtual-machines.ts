// Seeds N virtual machines spread over M hypervisor managers into one workspace, written through
// the real repository (documents, promoted columns and versions as obr writes them), and returns
// the query plan of the page bench:api measures: VMs of one manager, sorted by name, 100 a page.
import { randomUUID } from "node:crypto";
import { CompiledQuery, sql } from "kysely";
import pino from "pino";
import { parseListQuery } from "../../src/api/query/list-query.ts";
import { querySpec } from "../../src/api/resource/query-spec.ts";
import { virtualMachines } from "../../src/api/resources/virtual-machines.ts";
import { loadConfig } from "../../src/config/config.ts";
import { buildServices } from "../../src/container.ts";
import type { StoredDocument } from "../../src/db/document-repository.ts";

const POWER = ["POWERED_ON", "POWERED_ON", "POWERED_ON", "POWERED_OFF"] as const;

export const vmPageFilter = (managerId: string) => `hypervisorManagerInfo/id eq '${managerId}'`;

function vm(customerId: string, i: number, manager: { id: string; name: string }, at: string): StoredDocument {
  const id = randomUUID();
  return {
    id,
    customerId,
    generation: 1,
    createdAt: at,
    updatedAt: at,
    type: "virtualization/virtual-machine",
    resourceUri: `/virtualization/v1beta1/virtual-machines/${id}`,
    // Names repeat across managers and are not in insertion order, as in a real inventory.
    name: `vm-${String((i * 7919) % 100_000).padStart(5, "0")}`,
    appType: "VMWARE",
    hypervisorManagerInfo: { id: manager.id, name: manager.name, resourceUri: `/virtualization/v1beta1/hypervisor-managers/${manager.id}`, type: "virtualization/hypervisor-manager" },
    hostInfo: { id: randomUUID(), name: `esxi-${i % 40}.lab.local`, type: "virtualization/hypervisor-host" },
    clusterInfo: { id: randomUUID(), name: `cluster-${i % 8}`, type: "virtualization/hypervisor-cluster" },
    capacityInBytes: 16 * 2 ** 30,
    computeInfo: { memorySizeInMib: "4096", numCpuCores: 2, numCpuThreads: 2 },
    guestInfo: { name: "Ubuntu Linux (64-bit)", type: "LINUX" },
    powerState: POWER[i % POWER.length],
    state: "OK",
    status: "OK",
    protectionStatus: "UNPROTECTED",
  };
}

/** Seeds into the database `env` names; returns the managers' ids and the page query's plan. */
export async function seedVirtualMachines(env: Record<string, string>, customerId: string, count: number, managerCount: number) {
  const services = await buildServices(loadConfig(env), pino({ level: "warn" }));
  try {
    const repo = services.repositories.get(virtualMachines.name)!;
    const managers = Array.from({ length: managerCount }, (_, i) => ({ id: randomUUID(), name: `vcenter-${i}.lab.local` }));
    const at = new Date().toISOString();
    const batch = 5000;
    for (let done = 0; done < count; done += batch) {
      await repo.transaction(async (trx) => {
        for (let i = done; i < Math.min(count, done + batch); i++) await repo.insert(vm(customerId, i, managers[i % managerCount]!, at), {}, trx);
      });
    }
    const { db, dialect } = services.database;
    if (dialect === "postgres") await sql`analyze virtual_machines`.execute(db);
    const plan = parseListQuery({ filter: vmPageFilter(managers[0]!.id), sort: "name", limit: "100" }, querySpec(virtualMachines), dialect);
    const page = repo.pageQuery(customerId, plan);
    const explain = CompiledQuery.raw(`${dialect === "sqlite" ? "explain query plan" : "explain"} ${page.sql}`, [...page.parameters]);
    const { rows } = await db.executeQuery<Record<string, unknown>>(explain);
    const lines = rows.map((r) => String(dialect === "sqlite" ? r["detail"] : r["QUERY PLAN"]));
    return { managerIds: managers.map((m) => m.id), plan: lines, sql: page.sql };
  } finally {
    await services.database.close();
  }
}
