// The catalogue builder against HPE's published OpenAPI document: every filterable attribute
// that endpoints.tsv documents for a list must be found in the list item's schema, so the
// collections can declare their documented filterable sets. Skips when the reference files
// (outside the repository) are absent.
//
// HPE's own spec is inconsistent for a few lists: endpoints.tsv documents attributes the item
// schema does not have (e.g. MSSQL snapshots have `storageSystemsInfo`, not
// `storageSystemInfo`). Those are listed here so a collection declaring them knows to extend
// its schema or leave them out.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { attributesFromSchema } from "./schema-attributes.ts";

const DIR = new URL("../../../../shared/greenlake-api/", import.meta.url);
const present = existsSync(new URL("backup-recovery.json", DIR)) && existsSync(new URL("endpoints.tsv", DIR));
if (!present) console.warn(`GreenLake reference files not found at ${DIR.pathname}: skipping`);

const DOCUMENTED_BUT_ABSENT: Record<string, string[]> = {
  MSSQLDatabaseBackupList: ["storageSystemInfo/name", "verified"],
  MSSQLDatabaseSnapshotList: ["storageSystemInfo/id", "storageSystemInfo/type", "storageSystemInfo/name", "verified", "consistency"],
  DataManagementTemplatesList: ["protections/applicationType"],
};

describe.skipIf(!present)("attributesFromSchema on the GreenLake OpenAPI document", () => {
  const openapi = present ? JSON.parse(readFileSync(new URL("backup-recovery.json", DIR), "utf8")) : {};
  const rows = present ? readFileSync(new URL("endpoints.tsv", DIR), "utf8").trim().split("\n").map((l) => l.split("\t")) : [];
  const [header = [], ...data] = rows;
  const col = (name: string) => header.indexOf(name);
  const lists = data
    .filter((r) => r[col("method")] === "GET" && r[col("path")]?.startsWith("/backup-recovery/"))
    .filter((r) => (r[col("filterable_attributes")] ?? "") !== "")
    .map((r) => ({ body: r[col("success_body")]!, filterable: r[col("filterable_attributes")]!.split(",") }));

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
