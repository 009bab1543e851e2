// sort, select and offset/limit through parseListQuery, executed on SQLite and PostgreSQL.
import { afterAll, describe, expect, it } from "vitest";
import { AppError } from "../../domain/app-error.ts";
import { ListQueryCache, parseListQuery } from "./list-query.ts";
import { ids, makeSpec, openAll, queryDocs, queryIds } from "./test-support.ts";

const dbs = await openAll();
afterAll(async () => {
  for (const t of dbs) await t.close();
});

const NO_ENABLED = ids(3, 5, 8, 9, 11, 12, 14, 15, 16, 18, 19, 20);

const sortCases: [string, string[]][] = [
  ["name", ids(5, 2, 6, 1, 3, 4, 10, 7, 12, 13, 14, 15, 16, 18, 19, 20, 11, 17, 9, 8)],
  ["state desc,generation", ids(3, 8, 13, 18, 1, 5, 7, 9, 4, 11, 12, 14, 16, 17, 19, 20, 10, 2, 6, 15)],
  ["enabled desc", [...NO_ENABLED, ...ids(1, 4, 6, 10, 17, 2, 7, 13)]],
  ["enabled ASC", [...ids(2, 7, 13, 1, 4, 6, 10, 17), ...NO_ENABLED]],
  ["osInfo/version DESC", [...ids(3, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20), ...ids(4, 1, 2, 12)]],
  ["osInfo.name desc, name", [...ids(5, 6, 3, 10, 7, 13, 14, 15, 16, 18, 19, 20, 11, 17, 9, 8), ...ids(12, 4, 1, 2)]],
  ["assigned,generation desc", ids(20, 18, 16, 14, 12, 4, 8, 6, 2, 10, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1)],
  ["sizeInGiB", [...ids(4, 3, 19, 10, 1, 2, 14, 7), ...ids(5, 6, 8, 9, 11, 12, 13, 15, 16, 17, 18, 20)]],
  ["id desc", ids(20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1)],
  ["createdAt desc", ids(20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 4, 3, 2, 1, 5)],
  ["name+desc", ids(8, 9, 17, 11, 20, 19, 18, 16, 15, 14, 13, 12, 7, 10, 4, 3, 1, 6, 2, 5)],
  ["state,", ids(2, 6, 10, 15, 1, 4, 5, 7, 9, 11, 12, 14, 16, 17, 19, 20, 3, 8, 13, 18)],
];

describe.each(dbs)("list query on $dialect", (t) => {
  it.each(sortCases)("sort=%s", async (sort, expected) => {
    expect(await queryIds(t, { sort })).toEqual(expected);
  });

  it("pages a filtered, sorted list stably", async () => {
    const raw = { filter: "state eq OK", sort: "assigned desc" };
    const pages = [];
    for (let offset = 0; offset < 14; offset += 5) pages.push(...(await queryIds(t, { ...raw, offset: String(offset), limit: "5" })));
    expect(pages).toEqual(ids(1, 5, 7, 9, 11, 17, 19, 4, 12, 14, 16, 20));
  });

  it("applies limit defaults, maxima and offsets", async () => {
    const spec = makeSpec({ limitDefault: 5, limitMax: 20, offsetMax: 1000 });
    const run = (raw: Record<string, unknown>) => {
      const q = parseListQuery(raw, spec, t.dialect);
      let qb = t.db.selectFrom("docs").select("id");
      for (const o of q.orderBy) qb = qb.orderBy(o);
      return qb.limit(q.limit).offset(q.offset).execute().then((r) => r.map((x) => x.id as string));
    };
    expect(await run({})).toEqual(ids(1, 2, 3, 4, 5));
    expect(await run({ offset: "18" })).toEqual(ids(19, 20));
    expect(await run({ offset: "0", limit: "20" })).toHaveLength(20);
    expect(await run({ offset: "20" })).toEqual([]);
    expect(await run({ offset: "1000", limit: "1" })).toEqual([]);
    expect(await run({ limit: 3, offset: 1 })).toEqual(ids(2, 3, 4));
    expect(await run({ limit: "007" })).toHaveLength(7);
    const zero = parseListQuery({ limit: "0" }, makeSpec({ limitMin: 0 }), t.dialect);
    expect(zero.limit).toBe(0);
    expect(await t.db.selectFrom("docs").select("id").limit(zero.limit).offset(zero.offset).execute()).toEqual([]);
  });

  it("projects selected attributes", async () => {
    const docs = await queryDocs(t, { select: "name,osInfo/name", filter: "id in (d01, d03)" });
    expect(docs).toEqual([{ name: "alpha", osInfo: { name: "Windows Server 2012" } }, { name: "beta" }]);
    const [d01] = await queryDocs(t, { select: "protections/type, protections.schedules/id,tags", filter: "id eq d01" });
    expect(d01).toEqual({
      protections: [
        { type: "CLOUD_BACKUP", schedules: [{ id: 1 }, { id: 2 }] },
        { type: "SNAPSHOT", schedules: [{ id: 3 }] },
      ],
      tags: ["prod", "db"],
    });
    const [d02] = await queryDocs(t, { select: "osInfo/name,osInfo,description,id", filter: "id eq d02" });
    expect(d02).toEqual({ osInfo: { name: "Ubuntu", version: 22 }, description: null, id: "d02" });
    const [d16] = await queryDocs(t, { select: "additionalDetails", filter: "id eq d16" });
    expect(d16).toEqual({ additionalDetails: { k: 1 } });
  });
});

const paramErrors: [Record<string, unknown>, RegExp][] = [
  [{ sort: "foo" }, /sort attribute 'foo' does not exist/],
  [{ sort: "tags" }, /'tags' is not sortable/],
  [{ sort: "protections/type" }, /'protections\/type' is not sortable/],
  [{ sort: "additionalDetails" }, /'additionalDetails' is not sortable/],
  [{ sort: "name sideways" }, /'name sideways'/],
  [{ sort: "name asc desc" }, /'name asc desc'/],
  [{ sort: "a,b,c,d,e,f,g,h,i" }, /more than 8 keys/],
  [{ select: "foo" }, /select attribute 'foo' does not exist/],
  [{ select: "name,osInfo/nope" }, /'osInfo\/nope'/],
  [{ select: " , " }, /no attribute/],
  [{ select: Array(65).fill("name").join(",") }, /more than 64/],
  [{ limit: "1001" }, /'limit' must be between 1 and 1000/],
  [{ limit: "0" }, /'limit' must be between 1/],
  [{ limit: "-1" }, /'limit'/],
  [{ limit: "abc" }, /'limit'/],
  [{ limit: "1.5" }, /'limit'/],
  [{ limit: "" }, /'limit'/],
  [{ limit: "1e3" }, /'limit'/],
  [{ limit: "0x10" }, /'limit'/],
  [{ limit: 2.5 }, /'limit'/],
  [{ limit: ["1", "2"] }, /'limit' must be given at most once/],
  [{ offset: "-1" }, /'offset'/],
  [{ offset: "abc" }, /'offset'/],
  [{ offset: "" }, /'offset'/],
  [{ offset: "99999999999999999999" }, /'offset' is too large/],
  [{ filter: ["a eq 1", "b eq 2"] }, /'filter' must be given at most once/],
  [{ filter: 5 }, /'filter' must be a string/],
];

describe("SQL safety", () => {
  it.each(["sqlite", "postgres"] as const)("binds user text as parameters on %s", (dialect) => {
    const evil = "x'); DROP TABLE docs; --";
    const q = parseListQuery({ filter: `name eq "${evil}" or contains(description,'${evil.replaceAll("'", "''")}')` }, makeSpec(), dialect);
    const compiled = dbs[0]!.db.selectFrom("docs").select("id").where(q.where!).compile();
    expect(compiled.sql).not.toContain("DROP");
    expect(JSON.stringify(compiled.parameters)).toContain("DROP TABLE");
  });
});

describe("list query parameter errors", () => {
  it.each(paramErrors)("%j", (raw, message) => {
    let err: unknown;
    try {
      parseListQuery(raw, makeSpec(), "sqlite");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).httpStatusCode).toBe(400);
    expect((err as AppError).message).toMatch(message);
  });

  it("enforces offsetMax and a sortable allow-list", () => {
    const spec = makeSpec({ offsetMax: 1000, sortable: new Set(["name"]) });
    expect(parseListQuery({ offset: "1000", sort: "name desc" }, spec, "postgres").offset).toBe(1000);
    expect(() => parseListQuery({ offset: "1001" }, spec, "sqlite")).toThrow(/'offset' must not exceed 1000/);
    expect(() => parseListQuery({ sort: "state" }, spec, "sqlite")).toThrow(/'state' is not sortable/);
  });
});

describe("list query cache", () => {
  const firstError = (parse: () => unknown): string => {
    try {
      parse();
    } catch (e) {
      return (e as AppError).message;
    }
    return "no error";
  };

  it("reuses the compiled filter, sort and select of a repeated query, with each request's paging", () => {
    const cache = new ListQueryCache(makeSpec(), "sqlite");
    const raw = { filter: "state eq OK", sort: "name desc", select: "id,name" };
    const a = cache.parse({ ...raw, offset: "0", limit: "5" });
    const b = cache.parse({ ...raw, offset: "5", limit: "3" });
    expect(b.orderBy).toBe(a.orderBy);
    expect(b.where).toBe(a.where);
    expect(b.project).toBe(a.project);
    expect([a.offset, a.limit, b.offset, b.limit]).toEqual([0, 5, 5, 3]);
    expect(cache.parse({ ...raw, sort: "name" }).orderBy).not.toBe(a.orderBy);
  });

  it("reports the same first error whether or not the query was cached", () => {
    const cache = new ListQueryCache(makeSpec(), "sqlite");
    const valid = { filter: "state eq OK", sort: "name" };
    cache.parse(valid);
    const cases: Record<string, unknown>[] = [
      { ...valid, offset: "x" },
      { ...valid, limit: "0" },
      { ...valid, filter: "bogus eq 1", offset: "x" },
      { ...valid, sort: "bogus", limit: "x" },
      { ...valid, select: "bogus" },
    ];
    for (const raw of cases) {
      expect(firstError(() => cache.parse(raw))).toBe(firstError(() => parseListQuery(raw, makeSpec(), "sqlite")));
    }
  });
});
