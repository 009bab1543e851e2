// Property: any filter string — random, grammar-shaped, or a mutated grammar-shaped one — goes
// through parse + type check + compile + execution and yields rows or an AppError 400, never
// anything else. On PostgreSQL the rows must also equal SQLite's for the same filter (the two
// compilations are meant to be semantically identical). `npm test` runs 5 000 cases on SQLite and
// 2 000 on PostgreSQL, `npm run test:slow` 100 000 on each (test/helpers/tiers.ts).
import fc from "fast-check";
import type { Kysely } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { AppError } from "../../domain/app-error.ts";
import { compileFilter } from "./filter-compile.ts";
import { parseFilter } from "./filter-parser.ts";
import { cases, seed, timeLimit } from "../../../test/helpers/tiers.ts";
import { attributesFromSchema } from "./schema-attributes.ts";
import { DOCS, docSchema, makeSpec, openPostgres, openSqlite, type TestDb, type TestSchema } from "./test-support.ts";

const SQLITE_RUNS = cases(5_000, 100_000);
const PG_RUNS = cases(2_000, 100_000);
const PROMOTION_RUNS = cases(3_000, 100_000);

// A schema-invalid document on top of the fixtures, so type guards are exercised too.
const FUZZ_DOCS = [
  ...DOCS,
  { id: "w1", sizeInGiB: "big", tags: "x", protections: ["X", 1, null, { schedules: "no", type: 5 }], osInfo: [1], enabled: "true", createdAt: 7 },
];
const spec = makeSpec();
/** The same catalogue with nothing promoted: every attribute read from the JSON document. */
const documentOnly = makeSpec({ attributes: attributesFromSchema(docSchema) });
const sqliteDb = await openSqlite(FUZZ_DOCS);
const sqliteRaw = sqliteDb.sqlite!;
const pgDb = await openPostgres(FUZZ_DOCS);
afterAll(async () => {
  await sqliteDb.close();
  await pgDb?.close();
});

// ---- generators -------------------------------------------------------------------------
const attributes = [...spec.attributes.keys(), "foo", "NAME", "osInfo", "protections", "tags/x", "osInfo.name", "a..b", "9x"];
const op = fc.constantFrom("eq", "ne", "gt", "ge", "lt", "le", "EQ", "Ne", "GT", "in", "IN", "like", "=");
const rawText = fc.oneof(
  fc.constantFrom("alpha", "Alpha", "OK", "prod", "db", "CLOUD_BACKUP", "Daily", "s1", "d03", "Windows+Server+2012", "", "%", "_", "\\", "é", "O'Brien"),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 8 }),
);
const numberText = fc.oneof(
  fc.integer({ min: -30, max: 2100 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.constantFrom("1e400", "-0", "+5", "0x10", "NaN", "Infinity", "9007199254740993", "1.5", ".5", "5.", "1e6", "2.5"),
);
const dateText = fc.oneof(
  fc.date({ min: new Date("2023-06-01"), max: new Date("2025-12-31"), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom("2024-01-01T01:00:00+01:00", "2024-02-30", "2024-01-01T00:00:00 01:00", "24:00", "2024-13-01", "yesterday"),
);
const word = fc.constantFrom("true", "FALSE", "null", "NULL", "yes", "and", "or", "not", "in", "contains");
const literalText = fc.oneof(rawText, numberText, dateText, word);
const quoted = (text: string, style: number): string => {
  switch (style) {
    case 0:
      return `'${text.replaceAll("'", "''")}'`;
    case 1:
      return `"${text.replaceAll('"', '""')}"`;
    case 2:
      return `\u201C${text}\u201D`;
    case 3:
      return `\u2018${text}\u2019`;
    case 4:
      return text.replaceAll(" ", "+");
    default:
      return text; // unquoted as is, delimiters and all
  }
};
const literal = fc.tuple(literalText, fc.nat(6)).map(([t, s]) => quoted(t, s));
const attr = fc.constantFrom(...attributes);
const space = fc.constantFrom(" ", "  ", "", "\t");

// Mostly well-typed comparisons, so that a good share of cases reach execution.
const typedLiteral = (type: string) => {
  switch (type) {
    case "integer":
      return fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -5, max: 2100 }).map(String) }, numberText);
    case "number":
      return numberText;
    case "boolean":
      return fc.constantFrom("true", "false", "TRUE");
    case "date-time":
      return dateText;
    default:
      return rawText;
  }
};
const catalogued = fc.constantFrom(...[...spec.attributes.values()].filter((a) => a.type !== "json"));
const typedComparison = catalogued.chain((a) => {
  const path = a.path.join("/");
  const ops = a.type === "boolean" ? ["eq", "ne"] : ["eq", "ne", "gt", "ge", "lt", "le"];
  return fc.tuple(fc.constantFrom(...ops), typedLiteral(a.type), fc.nat(5), fc.nat(9)).map(([o, t, q, form]) => {
    const l = quoted(t, q);
    if (form === 0) return `${path} ${o === "eq" ? "eq" : "ne"} null`;
    if (form === 1 && a.arrayAt.length > 0) return `${l} in ${path}`;
    if (form === 2) return `${path} in (${l},${l})`;
    if (form === 3 && a.type === "string") return `contains(${path},${l})`;
    return `${path} ${o} ${l}`;
  });
});

const comparison = fc.oneof(
  { weight: 30, arbitrary: typedComparison },
  { weight: 6, arbitrary: fc.tuple(attr, op, literal, space).map(([a, o, l, s]) => `${a} ${o}${s}${l}`) },
  { weight: 2, arbitrary: fc.tuple(literal, attr).map(([l, a]) => `${l} in ${a}`) },
  {
    weight: 2,
    arbitrary: fc.tuple(attr, fc.array(literal, { minLength: 0, maxLength: 4 })).map(([a, ls]) => `${a} in (${ls.join(",")})`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom("contains", "startswith", "StartsWith", "endswith"), attr, literal)
      .map(([f, a, l]) => `${f}(${a},${l})`),
  },
);

const { expr } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 5, arbitrary: comparison },
    { weight: 1, arbitrary: tie("expr").map((e) => `not ${e}`) },
    { weight: 1, arbitrary: tie("expr").map((e) => `(${e})`) },
    { weight: 2, arbitrary: fc.tuple(tie("expr"), fc.constantFrom("and", "or", "AND", "Or"), tie("expr")).map(([a, k, b]) => `${a} ${k} ${b}`) },
  ),
}));

const mutated = fc
  .tuple(expr, fc.nat(), fc.nat(4), fc.constantFrom("", "(", ")", ",", "'", '"', " ", "\u201C", "and", "not", "+", "/"))
  .map(([s, at, del, ins]) => {
    const i = at % (s.length + 1);
    return s.slice(0, i) + ins + s.slice(i + del);
  });

const grammarChars = fc.string({
  unit: fc.constantFrom("(", ")", ",", "'", '"', " ", "a", "eq ", " and ", "not ", " in ", "name", "tags", "/", ".", "+", "-", "1", "null", "\u201C", "\u0000", "protections/type"),
  maxLength: 40,
});

const anyFilter = fc.oneof(
  { weight: 8, arbitrary: expr },
  { weight: 2, arbitrary: mutated },
  { weight: 2, arbitrary: grammarChars },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 60 }) },
  { weight: 1, arbitrary: expr.map((e) => `"${e}"`) },
);

// ---- execution -------------------------------------------------------------------------
function compiledSelect(db: Kysely<TestSchema>, filter: string, dialect: TestDb["dialect"], catalogue = spec) {
  const where = compileFilter(parseFilter(filter), catalogue, dialect);
  return db.selectFrom("docs").select("id").where(where).orderBy("id").compile();
}

function isBadRequest(e: unknown): boolean {
  return e instanceof AppError && e.httpStatusCode === 400;
}

describe("filter fuzzing", () => {
  it(`SQLite: ${SQLITE_RUNS} filters give rows or a 400`, () => {
    // Kysely only compiles; better-sqlite3 executes synchronously to keep 100k runs fast.
    let accepted = 0;
    fc.assert(
      fc.property(anyFilter, (filter) => {
        let query: ReturnType<typeof compiledSelect>;
        try {
          query = compiledSelect(sqliteDb.db, filter, "sqlite");
        } catch (e) {
          if (isBadRequest(e)) return true;
          throw e;
        }
        sqliteRaw.prepare(query.sql).all(...(query.parameters as unknown[]));
        accepted++;
        return true;
      }),
      { numRuns: SQLITE_RUNS, seed },
    );
    // Guard against generators that only ever produce rejected input.
    expect(accepted).toBeGreaterThan(SQLITE_RUNS * 0.25);
  }, timeLimit(120_000));

  it(`SQLite: ${PROMOTION_RUNS} filters give the same rows through promoted columns (top-level and nested) as through the document`, () => {
    const rows = (query: ReturnType<typeof compiledSelect>) => sqliteRaw.prepare(query.sql).all(...(query.parameters as unknown[]));
    fc.assert(
      fc.property(expr, (filter) => {
        let query: ReturnType<typeof compiledSelect>;
        try {
          query = compiledSelect(sqliteDb.db, filter, "sqlite");
        } catch (e) {
          if (isBadRequest(e)) return;
          throw e;
        }
        expect(rows(query)).toEqual(rows(compiledSelect(sqliteDb.db, filter, "sqlite", documentOnly)));
      }),
      { numRuns: PROMOTION_RUNS, seed },
    );
  }, timeLimit(120_000));

  it.skipIf(pgDb === undefined)(`PostgreSQL: ${PG_RUNS} filters give rows or a 400, and the same rows as SQLite`, async () => {
    const pg = pgDb!;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(anyFilter, async (filter) => {
        let pgQuery: ReturnType<typeof compiledSelect>;
        try {
          pgQuery = compiledSelect(pg.db, filter, "postgres");
        } catch (e) {
          if (!isBadRequest(e)) throw e;
          // Validation does not depend on the dialect.
          expect(() => compiledSelect(sqliteDb.db, filter, "sqlite")).toThrow(AppError);
          return;
        }
        const liteQuery = compiledSelect(sqliteDb.db, filter, "sqlite");
        const pgRows = await pg.db.executeQuery<{ id: string }>(pgQuery);
        const liteRows = sqliteRaw.prepare(liteQuery.sql).all(...(liteQuery.parameters as unknown[])) as { id: string }[];
        expect(pgRows.rows.map((r) => r.id)).toEqual(liteRows.map((r) => r.id));
        accepted++;
      }),
      { numRuns: PG_RUNS, seed },
    );
    expect(accepted).toBeGreaterThan(PG_RUNS * 0.25);
  }, timeLimit(120_000));
});
