// The VM list filtered by a nested attribute and sorted by name (`hypervisorManagerInfo/id eq X`,
// `sort=name`): the filter compiles to the promoted column and one index answers filter and
// order, so a page reads only its rows, with no sort step, on both databases.
import { CompiledQuery, sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { parseListQuery } from "../api/query/list-query.ts";
import { querySpec } from "../api/resource/query-spec.ts";
import { virtualMachines } from "../api/resources/virtual-machines.ts";
import { tableFor } from "../container.ts";
import { DocumentRepository } from "./document-repository.ts";
import { testDatabases } from "./test-databases.ts";

const dbs = await testDatabases();
afterAll(async () => {
  for (const t of dbs) await t.close();
});

describe.each(dbs)("VM page by hypervisor manager on $database.dialect", ({ database }) => {
  it("filters through hypervisor_manager_id and walks virtual_machines_customer_manager_name in order", async () => {
    const repository = new DocumentRepository(database, tableFor(virtualMachines));
    const plan = parseListQuery({ filter: "hypervisorManagerInfo/id eq 'm1'", sort: "name", limit: "100" }, querySpec(virtualMachines), database.dialect);
    const page = repository.pageQuery("c1", plan);
    expect(page.sql).toContain(`"hypervisor_manager_id" = `);
    const lines = await database.db.transaction().execute(async (trx) => {
      if (database.dialect === "sqlite") {
        const { rows } = await trx.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${page.sql}`, [...page.parameters]));
        return rows.map((r) => r.detail);
      }
      // The table is empty: without this the planner would rightly prefer reading it whole.
      await sql`set local enable_seqscan = off`.execute(trx);
      const { rows } = await trx.executeQuery<{ "QUERY PLAN": string }>(CompiledQuery.raw(`explain ${page.sql}`, [...page.parameters]));
      return rows.map((r) => r["QUERY PLAN"]);
    });
    expect(lines.join("\n")).toMatch(/virtual_machines_customer_manager_name/);
    expect(lines.join("\n")).not.toMatch(/TEMP B-TREE|Sort/);
  });
});
