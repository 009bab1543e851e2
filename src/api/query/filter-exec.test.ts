// Filters executed end to end on real SQLite and PostgreSQL databases: each case asserts the
// exact ids returned, identical on both.
import { afterAll, describe, expect, it } from "vitest";
import { AppError } from "../../domain/app-error.ts";
import { allBut, ids, makeSpec, openAll, queryIds } from "./test-support.ts";

const dbs = await openAll();
afterAll(async () => {
  for (const t of dbs) await t.close();
});

const OK = ids(1, 4, 5, 7, 9, 11, 12, 14, 16, 17, 19, 20);
const WARNING = ids(3, 8, 13, 18);
const ERROR = ids(2, 6, 10, 15);
const sorted = (a: string[]) => [...a].sort();
const NO_DESCRIPTION = ids(2, 3, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19);
const CONTAINS_A = ids(1, 2, 3, 7, 9, 10, 11, 12, 13, 14);

const cases: [string, string[]][] = [
  // quoting styles
  ["name eq alpha", ids(1)],
  ["name eq 'Alpha'", ids(2)],
  [`name eq "O'Brien"`, ids(6)],
  ["name eq 'O''Brien'", ids(6)],
  ["name eq \u201Cgamma delta\u201D", ids(7)],
  ["name eq \u2018gamma delta\u2019", ids(7)],
  ["name eq gamma+delta", ids(7)],
  ['"name eq billing-db-1"', ids(4)],
  ["state eq'ERROR'", ERROR],
  ["name EQ alpha", ids(1)],
  ["state eq ok", []],
  [`description eq 'quote "double"'`, ids(6)],
  [`description eq "quote ""double"""`, ids(6)],
  // comparison operators
  ["state ne OK", sorted([...WARNING, ...ERROR])],
  ["generation gt 15", ids(16, 17, 18, 19, 20)],
  ["generation ge 19", ids(19, 20)],
  ["generation lt 2", ids(1, 10)],
  ["generation le 0", ids(10)],
  ["generation eq +5", ids(5)],
  ["generation eq '5'", ids(5)],
  ["sizeInGiB gt 5", ids(1, 2, 7, 14)],
  ["sizeInGiB lt 0", ids(4)],
  ["sizeInGiB eq 2.5", ids(19)],
  ["sizeInGiB eq 1e6", ids(7)],
  ["sizeInGiB ge -1.25 and sizeInGiB le 0", ids(3, 4)],
  ["sizeInGiB ne 0", allBut(3)],
  ["name gt 'z'", ids(8, 9)],
  ["name lt 'B'", ids(2, 5)],
  ["id eq d03", ids(3)],
  // booleans (JSON and promoted column)
  ["enabled eq true", ids(1, 4, 6, 10, 17)],
  ["enabled eq False", ids(2, 7, 13)],
  ["enabled ne true", allBut(1, 4, 6, 10, 17)],
  ["assigned eq TRUE", ids(1, 3, 5, 7, 9, 11, 13, 15, 17, 19)],
  ["assigned ne true", ids(2, 4, 6, 8, 10, 12, 14, 16, 18, 20)],
  // null and missing
  ["description eq null", NO_DESCRIPTION],
  ["description ne NULL", ids(1, 4, 5, 6, 13, 20)],
  ["description eq ''", ids(20)],
  ["description eq 'null'", []],
  ["expiresAt ne null", ids(8)],
  // date-times (normalised, compared as instants)
  ["createdAt gt '2025-05-01T00:00:00Z'", ids(19, 20)],
  ["createdAt lt 2024-01-01", ids(5)],
  ["createdAt ge 2024-01-01T01:00:00+01:00", allBut(5)],
  ["createdAt eq 2024-02-01T12:30:00Z", ids(3)],
  ["createdAt eq '2024-02-01T13:30:00 01:00'", ids(3)],
  ["createdAt le '2024-01-01T00:00:00.000Z'", ids(1, 5)],
  ["expiresAt gt 2024-01-01", ids(8)],
  // nested objects
  ["osInfo/name eq 'Ubuntu'", ids(2)],
  ["osInfo.version ge 2012", ids(1, 4)],
  ["osInfo/name eq Windows+Server+2012", ids(1)],
  ["osInfo/name eq 'Windows+Server'", ids(12)],
  // arrays of scalars
  ["'db' in tags", ids(1, 7, 15)],
  ["prod in tags", ids(1, 4, 7)],
  ["tags eq dev", ids(2)],
  ["tags ne prod", allBut(1, 4, 7)],
  ["tags eq null", allBut(1, 2, 4, 7, 11, 15)],
  ["tags ne null", ids(1, 2, 4, 7, 11, 15)],
  // arrays of objects, nested arrays
  ["protections/type eq CLOUD_BACKUP", ids(1, 4, 9)],
  ["protections/type ne CLOUD_BACKUP", allBut(1, 4, 9)],
  ["'SNAPSHOT' in protections/type", ids(1, 2)],
  ["protections/protectionStoreInfo/id eq s1", ids(1, 2, 9)],
  ["protections/schedules/recurrence eq Daily", ids(1, 9)],
  ["protections/schedules/id gt 4", ids(9)],
  ["protections/schedules/id in (3, 4)", ids(1, 4)],
  ["not (protections/schedules/id lt 100)", allBut(1, 4, 9)],
  // in lists
  ["state in ('OK','WARNING')", sorted([...OK, ...WARNING])],
  ["state IN (ERROR)", ERROR],
  ["generation in (1, 2, 3)", ids(1, 2, 3)],
  ["description in (null, 'first')", sorted([...NO_DESCRIPTION, ...ids(1)])],
  ["not (description in (null, 'first'))", ids(4, 5, 6, 13, 20)],
  // functions: case-sensitive, wildcards literal
  ["contains(name,'a')", CONTAINS_A],
  ["contains(name, 'A')", ids(2)],
  ["CONTAINS(name,'%')", ids(5)],
  ["contains(name,'_')", ids(5)],
  ["contains(description,'\\')", ids(13)],
  ["contains(description,'')", ids(1, 4, 5, 6, 13, 20)],
  ["startswith(name,'al')", ids(1)],
  ["startswith(name,'Al')", ids(2)],
  ["startswith(name,'100%')", ids(5)],
  ["startswith(name,'_')", []],
  ["startswith(name,'é')", ids(8)],
  ["startswith(osInfo/name,Windows+Server)", ids(1, 4)],
  ["contains(createdAt,'2025-0')", ids(14, 15, 16, 17, 18, 19, 20)],
  ["not contains(name,'a')", allBut(...[1, 2, 3, 7, 9, 10, 11, 12, 13, 14])],
  // boolean structure, precedence, two-valued not
  ["not (description eq 'first')", allBut(1)],
  ["not (sizeInGiB gt 5)", allBut(1, 2, 7, 14)],
  ["not not name eq alpha", ids(1)],
  ["state eq OK and (generation lt 5 or generation gt 18)", ids(1, 19, 20)],
  ["generation gt 18 or state eq ERROR and generation lt 5", ids(2, 10, 19, 20)],
  ["(generation gt 18 or state eq ERROR) and generation lt 5", ids(2, 10)],
  ["NOT (state eq OK OR state eq WARNING)", ERROR],
  ["not (enabled eq true and assigned eq true)", allBut(1, 17)],
];

describe.each(dbs)("filter on $dialect", (t) => {
  it.each(cases)("%s", async (filter, expected) => {
    expect(await queryIds(t, { filter })).toEqual(expected);
  });

  it("honours a filterable allow-list", async () => {
    const spec = makeSpec({ filterable: new Set(["name"]) });
    expect(await queryIds(t, { filter: "name eq beta" }, spec)).toEqual(ids(3));
    await expect(queryIds(t, { filter: "state eq OK" }, spec)).rejects.toThrow(/'state' is not filterable/);
  });

  it("treats an empty filter parameter as no filter", async () => {
    expect(await queryIds(t, { filter: "  " })).toHaveLength(20);
  });

  it("keeps data of the wrong type from raising SQL errors", async () => {
    // The rows are schema-valid, but a wrong-typed read must still be NULL, not a cast error.
    await t.db.insertInto("docs").values(wrongTyped(t.dialect)).execute();
    try {
      expect(await queryIds(t, { filter: "sizeInGiB gt 0 and protections/type eq X" })).toEqual([]);
      expect(await queryIds(t, { filter: "tags eq 'x' or osInfo/version eq 1 or enabled eq true" })).not.toContain("w1");
      expect(await queryIds(t, { filter: "not (sizeInGiB gt 0) and not (tags eq x)" })).toContain("w1");
      expect(await queryIds(t, { filter: "protections/schedules/id eq 1" })).toEqual(ids(1));
    } finally {
      await t.db.deleteFrom("docs").where("id", "=", "w1").execute();
    }
  });
});

function wrongTyped(dialect: string) {
  const doc = { id: "w1", sizeInGiB: "big", tags: "x", protections: ["X", 1, null, { schedules: "no" }], osInfo: [1], enabled: "true" };
  return { id: "w1", customer_id: "c1", doc: JSON.stringify(doc), assigned: dialect === "sqlite" ? 0 : false, name: null, state: null, generation: null, created_at: null, os_name: null };
}

const errors: [string, RegExp][] = [
  ["foo eq 1", /'foo' does not exist/],
  ["NAME eq alpha", /'NAME' does not exist/],
  ["additionalDetails eq 1", /'additionalDetails' is not filterable/],
  ["generation eq abc", /'abc'.*'generation'.*integer/],
  ["generation eq 1.5", /'1.5'.*integer/],
  ["generation eq 9007199254740993", /'9007199254740993'/],
  ["sizeInGiB eq 1e400", /'1e400'.*number/],
  ["enabled eq yes", /'yes'.*boolean/],
  ["enabled gt true", /'gt'.*'enabled'/],
  ["sizeInGiB gt null", /'gt'.*'sizeInGiB'.*null/],
  ["createdAt gt yesterday", /'yesterday'.*date-time/],
  ["createdAt gt '2024-02-30'", /'2024-02-30'/],
  ["contains(generation,'1')", /'contains'.*'generation'/],
  ["contains(name,null)", /'contains'.*null/],
  ["'x' in name", /'name' is not an array/],
  ["null in tags", /null.*'tags'/],
  ["name eq 'a\u0000b'", /'name'.*NUL/],
];

describe("filter type errors", () => {
  const t = dbs[0]!;
  it.each(errors)("%s", async (filter, message) => {
    const err = await queryIds(t, { filter }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).httpStatusCode).toBe(400);
    expect((err as AppError).message).toMatch(message);
  });
});
