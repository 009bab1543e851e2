// The catalogue builder against HPE's published OpenAPI document: every filterable attribute
// that endpoints.tsv documents for a list must be found in the list item's schema, so the
// collections can declare their documented filterable sets. Needs the reference files outside the
// repository (test/helpers/contract.ts: skipped without them, failing in CI).
//
// HPE's own spec is inconsistent for a few lists: endpoints.tsv documents attributes the item
// schema does not have (e.g. MSSQL snapshots have `storageSystemsInfo`, not
// `storageSystemInfo`). Those are listed here so a collection declaring them knows to extend
// its schema or leave them out.
import { expect, it } from "vitest";
import { describeContract, readContractDocument, readEndpointRows } from "../../../test/helpers/contract.ts";
import { attributesFromSchema } from "./schema-attributes.ts";

const DOCUMENTED_BUT_ABSENT: Record<string, string[]> = {
  MSSQLDatabaseBackupList: ["storageSystemInfo/name", "verified"],
  MSSQLDatabaseSnapshotList: ["storageSystemInfo/id", "storageSystemInfo/type", "storageSystemInfo/name", "verified", "consistency"],
  DataManagementTemplatesList: ["protections/applicationType"],
};

describeContract("attributesFromSchema on the GreenLake OpenAPI document", () => {
  const openapi = readContractDocument("backup-recovery");
  const lists = readEndpointRows()
    .filter((r) => r.method === "GET" && r.path?.startsWith("/backup-recovery/"))
    .filter((r) => (r.filterable_attributes ?? "") !== "")
    .map((r) => ({ body: r.success_body!, filterable: r.filterable_attributes!.split(",") }));

  it("finds the list endpoints", () => {
    expect(lists.length).toBeGreaterThan(15);
  });

  it.each(lists)("$body", ({ body, filterable }) => {
    const root = { $ref: `#/components/schemas/${body}/properties/items/items`, components: openapi.components };
    const attrs = attributesFromSchema(root);
    expect(attrs.size).toBeGreaterThan(3);
    const missing = filterable.filter((f) => {
      const a = attrs.get(f);
      return a === undefined || a.type === "json";
    });
    expect(missing).toEqual(DOCUMENTED_BUT_ABSENT[body] ?? []);
  });

  it("records arrays on the way to an attribute", () => {
    const root = { $ref: "#/components/schemas/DataManagementTemplatesList/properties/items/items", components: openapi.components };
    const attrs = attributesFromSchema(root);
    expect(attrs.get("protections/protectionStoreInfo/id")).toMatchObject({ type: "string", arrayAt: [0] });
    expect(attrs.get("assigned")).toMatchObject({ type: "boolean", arrayAt: [] });
  });
});
