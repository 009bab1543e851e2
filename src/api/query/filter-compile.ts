// Compiles a checked filter to a Kysely boolean expression for one dialect.
//
// Semantics (identical on SQLite and PostgreSQL):
// - Comparisons on a missing/null/wrong-typed value are false; `ne` is exactly `not eq`, so a
//   missing value is "not equal" to anything. `eq null` / `ne null` test presence.
// - `not` is two-valued: negation is pushed down to the leaves, which compile to their exact
//   complement (see predicate()), so `not (x gt 5)` also matches documents without x.
// - Attributes inside arrays match when some element matches (`protections/type eq X`); `ne`
//   on them means no element equals the value.
// - contains/startswith are case-sensitive on both databases: PostgreSQL LIKE with escaped
//   wildcards; SQLite instr/substr, because SQLite LIKE ignores ASCII case.
// - String ordering comparisons use code point order (PostgreSQL COLLATE "C", SQLite BINARY).
import { type Expression, type RawBuilder, type SqlBool, sql } from "kysely";
import { checkFilter } from "./filter-check.ts";
import { needsCollation, param, predicate, scalarValue, type ValueSource } from "./sql-values.ts";
import type { CheckedFilter, CollectionQuerySpec, CompareOp, Dialect, FilterNode } from "./types.ts";

const SQL_OPS: Record<Exclude<CompareOp, "ne">, string> = { eq: "=", gt: ">", ge: ">=", lt: "<", le: "<=" };

/** Type-checks `ast` against `spec` (AppError 400 on misuse) and compiles it. */
export function compileFilter(ast: FilterNode, spec: CollectionQuerySpec, dialect: Dialect): Expression<SqlBool> {
  return compileChecked(checkFilter(ast, spec), { dialect, docColumn: spec.docColumn ?? "doc" });
}

export function compileChecked(node: CheckedFilter, src: ValueSource): Expression<SqlBool> {
  return compile(node, src, false);
}

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function compile(node: CheckedFilter, src: ValueSource, negated: boolean): RawBuilder<SqlBool> {
  switch (node.kind) {
    case "and":
    case "or": {
      // De Morgan: a negated conjunction is a disjunction of negations.
      const joiner = (node.kind === "and") !== negated ? sql` AND ` : sql` OR `;
      return sql<SqlBool>`(${sql.join(
        node.children.map((c) => compile(c, src, negated)),
        joiner,
      )})`;
    }
    case "not":
      return compile(node.child, src, !negated);
    case "compare": {
      const { attr, op, value } = node;
      if (value === null) {
        const wantNull = (op === "eq") !== negated;
        if (attr.arrayAt.length === 0) {
          const v = scalarValue(attr, src);
          return wantNull ? sql<SqlBool>`(${v} IS NULL)` : sql<SqlBool>`(${v} IS NOT NULL)`;
        }
        return predicate(attr, src, (v) => sql<SqlBool>`${v} IS NOT NULL`, wantNull);
      }
      const sqlOp = sql.raw(SQL_OPS[op === "ne" ? "eq" : op]);
      const collate = op !== "eq" && op !== "ne" && needsCollation(attr, src.dialect);
      const p = param(value, attr, src.dialect);
      const cond = (v: RawBuilder<unknown>) =>
        collate ? sql<SqlBool>`${v} COLLATE "C" ${sqlOp} ${p}` : sql<SqlBool>`${v} ${sqlOp} ${p}`;
      return predicate(attr, src, cond, negated !== (op === "ne"));
    }
    case "in-list": {
      const list = sql.join(node.values.map((v) => param(v, node.attr, src.dialect)));
      return predicate(node.attr, src, (v) => sql<SqlBool>`${v} IN (${list})`, negated);
    }
    case "function": {
      const { fn, value } = node;
      const cond = (v: RawBuilder<unknown>): RawBuilder<SqlBool> => {
        if (src.dialect === "postgres") {
          const pattern = fn === "contains" ? `%${escapeLike(value)}%` : `${escapeLike(value)}%`;
          return sql<SqlBool>`${v} LIKE ${pattern}::text ESCAPE '\\'`;
        }
        return fn === "contains"
          ? sql<SqlBool>`instr(${v}, ${value}) > 0`
          : sql<SqlBool>`substr(${v}, 1, length(${value})) = ${value}`;
      };
      return predicate(node.attr, src, cond, negated);
    }
  }
}
