// Parser-only tests: AST shapes for each construct and quoting style, syntax errors and bounds.
import { describe, expect, it } from "vitest";
import { AppError } from "../../domain/app-error.ts";
import { FILTER_MAX_COMPARISONS, FILTER_MAX_DEPTH, FILTER_MAX_LENGTH, parseFilter } from "./filter-parser.ts";

const cmp = (path: string, op: string, text: string, quoted = false) => ({ kind: "compare", path, op, value: { text, quoted } });

describe("parseFilter", () => {
  it.each([
    ["name eq 'a b'", cmp("name", "eq", "a b", true)],
    ['name eq "a b"', cmp("name", "eq", "a b", true)],
    ["name eq 'it''s'", cmp("name", "eq", "it's", true)],
    ['name eq "say ""hi"""', cmp("name", "eq", 'say "hi"', true)],
    ["name eq \u201Ca b\u201D", cmp("name", "eq", "a b", true)],
    ["name eq \u2018a b\u2019", cmp("name", "eq", "a b", true)],
    ["name eq \u201Ca b\u201C", cmp("name", "eq", "a b", true)],
    ["name eq Windows+Server", cmp("name", "eq", "Windows+Server")],
    ['"name eq billing-db-1"', cmp("name", "eq", "billing-db-1")],
    ["  state eq'X'  ", cmp("state", "eq", "X", true)],
    ["a/b/c GE 5", cmp("a/b/c", "ge", "5")],
    ["a.b.c lt 2024-01-01T00:00:00Z", cmp("a/b/c", "lt", "2024-01-01T00:00:00Z")],
    ["id eq 630c62e3-0b6a-4bd5-9e38-4a7f5e0c8c33", cmp("id", "eq", "630c62e3-0b6a-4bd5-9e38-4a7f5e0c8c33")],
    ["name eq and", cmp("name", "eq", "and")],
    ["x ne null", cmp("x", "ne", "null")],
  ])("%s", (input, ast) => {
    expect(parseFilter(input)).toEqual(ast);
  });

  it("parses both forms of in", () => {
    expect(parseFilter("'data-ops-manager' in services")).toEqual({
      kind: "has",
      path: "services",
      value: { text: "data-ops-manager", quoted: true },
    });
    expect(parseFilter("severity IN ('CRITICAL', WARNING,3)")).toEqual({
      kind: "in-list",
      path: "severity",
      values: [
        { text: "CRITICAL", quoted: true },
        { text: "WARNING", quoted: false },
        { text: "3", quoted: false },
      ],
    });
  });

  it("parses functions", () => {
    expect(parseFilter("contains(name,'x')")).toEqual({ kind: "function", fn: "contains", path: "name", value: { text: "x", quoted: true } });
    expect(parseFilter("StartsWith( a/b , y )")).toEqual({ kind: "function", fn: "startswith", path: "a/b", value: { text: "y", quoted: false } });
  });

  it("gives not > and > or precedence and flattens chains", () => {
    expect(parseFilter("a eq 1 or not b eq 2 and c eq 3 and d eq 4")).toEqual({
      kind: "or",
      children: [
        cmp("a", "eq", "1"),
        { kind: "and", children: [{ kind: "not", child: cmp("b", "eq", "2") }, cmp("c", "eq", "3"), cmp("d", "eq", "4")] },
      ],
    });
    expect(parseFilter("(a eq 1 OR b eq 2) AND c eq 3")).toEqual({
      kind: "and",
      children: [{ kind: "or", children: [cmp("a", "eq", "1"), cmp("b", "eq", "2")] }, cmp("c", "eq", "3")],
    });
  });
});

describe("parseFilter errors", () => {
  const depth = (n: number) => `${"(".repeat(n)}a eq 1${")".repeat(n)}`;
  const comparisons = (n: number) => Array.from({ length: n }, (_, i) => `a eq ${i}`).join(" and ");
  it.each([
    ["", /empty/],
    ["name", /after token 'name'.*end of expression/],
    ["name eq", /expected a value, found end of expression/],
    ["name foo 'x'", /found token 'foo'/],
    ["name eq 'abc", /unterminated quoted string/],
    ["(name eq a", /expected '\)'.*end of expression/],
    ["name eq a)", /unexpected '\)'/],
    ["name eq a b", /unexpected token 'b'/],
    ["name eq a and", /expected a comparison, found end/],
    ["and", /after token 'and'/],
    ["()", /expected a comparison, found '\)'/],
    ["9abc eq 1", /'9abc' at position 0 is not an attribute name/],
    ["'x' eq name", /expected an attribute name, found string 'x'/],
    ["a in ()", /expected a value, found '\)'/],
    ["a in (1,", /expected a value, found end/],
    ["contains(name)", /expected ','/],
    ["contains(name,'x'", /expected '\)' to close 'contains\('/],
    ["x in y z", /unexpected token 'z'/],
    ["a eq (1)", /expected a value, found '\('/],
    [`a eq ${"x".repeat(FILTER_MAX_LENGTH)}`, /longer than 2000/],
    [comparisons(FILTER_MAX_COMPARISONS + 1), /more than 50 comparisons/],
    [depth(FILTER_MAX_DEPTH + 1), /deeper than 10/],
    [`${"not ".repeat(FILTER_MAX_DEPTH + 1)}a eq 1`, /deeper than 10/],
  ])("%s", (input, message) => {
    let err: unknown;
    try {
      parseFilter(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).httpStatusCode).toBe(400);
    expect((err as AppError).message).toMatch(message);
  });

  it("accepts exactly the limits", () => {
    expect(() => parseFilter(comparisons(FILTER_MAX_COMPARISONS))).not.toThrow();
    expect(() => parseFilter(depth(FILTER_MAX_DEPTH))).not.toThrow();
    expect(() => parseFilter(`a eq ${"x".repeat(FILTER_MAX_LENGTH - 5)}`)).not.toThrow();
  });
});
