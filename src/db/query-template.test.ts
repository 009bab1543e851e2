import Database from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { describe, expect, it } from "vitest";
import { compileTemplate } from "./query-template.ts";

// biome-ignore lint/suspicious/noExplicitAny: a throw-away table
const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(":memory:") }) });

describe("compileTemplate", () => {
  it("compiles once and binds each placeholder where it appears, keeping the built-in values", () => {
    const template = compileTemplate(["customer", "limit"], (s) =>
      db.selectFrom("docs").select("doc").where("customer_id", "=", s.customer).where("state", "=", "OK").limit(s.limit),
    );
    const a = template.bind({ customer: "c1", limit: 5 });
    const b = template.bind({ customer: "c2", limit: 7 });
    expect(a.sql).toBe('select "doc" from "docs" where "customer_id" = ? and "state" = ? limit ?');
    expect(a.parameters).toEqual(["c1", "OK", 5]);
    expect(b.parameters).toEqual(["c2", "OK", 7]);
    expect(b.sql).toBe(a.sql);
  });

  it("refuses a placeholder the query does not use as a parameter", () => {
    expect(() => compileTemplate(["customer", "unused"], (s) => db.selectFrom("docs").select("doc").where("customer_id", "=", s.customer))).toThrow(
      /placeholder 'unused'/,
    );
  });
});
