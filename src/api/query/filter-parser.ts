// Recursive-descent parser for GreenLake `filter` expressions → untyped FilterNode AST.
// Precedence: not > and > or. Keywords and operators are case-insensitive.
import { AppError } from "../../domain/app-error.ts";
import { type Token, tokenize } from "./filter-lexer.ts";
import type { CompareOp, FilterFunction, FilterNode, Literal } from "./types.ts";

export const FILTER_MAX_LENGTH = 2000;
export const FILTER_MAX_COMPARISONS = 50;
export const FILTER_MAX_DEPTH = 10;

const COMPARE_OPS = new Set<string>(["eq", "ne", "gt", "ge", "lt", "le"]);
const FUNCTIONS = new Set<string>(["contains", "startswith"]);
const SEGMENT = "[A-Za-z_$@][A-Za-z0-9_$@-]*";
const PATH_RE = new RegExp(`^${SEGMENT}(?:[/.]${SEGMENT})*$`);

const bad = (message: string): AppError => AppError.badRequest(`filter: ${message}`);

export function parseFilter(input: string): FilterNode {
  if (input.length > FILTER_MAX_LENGTH) throw bad(`longer than ${FILTER_MAX_LENGTH} characters`);
  const parser = new Parser(tokenize(unwrap(input.trim())));
  if (parser.atEnd()) throw bad("expression is empty");
  const node = parser.expression(0);
  if (!parser.atEnd()) throw bad(`unexpected ${describe(parser.peek())}`);
  return node;
}

// `filter="name eq billing-db-1"`: the documented examples sometimes quote the whole
// expression. Unwrap only when the inside holds no further double quote, so `"a" in tags`
// style literals stay intact.
function unwrap(s: string): string {
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"') && !s.slice(1, -1).includes('"')) {
    return s.slice(1, -1);
  }
  return s;
}

function describe(t: Token | undefined): string {
  if (t === undefined) return "end of expression";
  if (t.kind === "word") return `token '${t.text}' at position ${t.pos}`;
  if (t.kind === "string") return `string '${t.text}' at position ${t.pos}`;
  return `'${t.kind}' at position ${t.pos}`;
}

const keyword = (t: Token | undefined): string | undefined =>
  t?.kind === "word" ? t.text.toLowerCase() : undefined;

class Parser {
  private readonly tokens: Token[];
  private i = 0;
  private comparisons = 0;

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  atEnd(): boolean {
    return this.i >= this.tokens.length;
  }

  peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  private next(): Token | undefined {
    return this.tokens[this.i++];
  }

  private expect(kind: "(" | ")" | ",", context: string): void {
    const t = this.next();
    if (t?.kind !== kind) throw bad(`expected '${kind}' ${context}, found ${describe(t)}`);
  }

  expression(depth: number): FilterNode {
    return this.binary("or", depth);
  }

  private binary(op: "and" | "or", depth: number): FilterNode {
    const operand = (): FilterNode => (op === "or" ? this.binary("and", depth) : this.unary(depth));
    const children = [operand()];
    while (keyword(this.peek()) === op) {
      this.i++;
      children.push(operand());
    }
    return children.length === 1 ? children[0]! : { kind: op, children };
  }

  private unary(depth: number): FilterNode {
    const t = this.peek();
    if (keyword(t) === "not") {
      this.i++;
      return { kind: "not", child: this.unary(this.deeper(depth)) };
    }
    if (t?.kind === "(") {
      this.i++;
      const inner = this.expression(this.deeper(depth));
      this.expect(")", "to close '('");
      return inner;
    }
    return this.comparison();
  }

  private deeper(depth: number): number {
    if (depth + 1 > FILTER_MAX_DEPTH) throw bad(`nesting deeper than ${FILTER_MAX_DEPTH} levels`);
    return depth + 1;
  }

  private countComparison(): void {
    if (++this.comparisons > FILTER_MAX_COMPARISONS) {
      throw bad(`more than ${FILTER_MAX_COMPARISONS} comparisons`);
    }
  }

  private comparison(): FilterNode {
    this.countComparison();
    const first = this.next();
    if (first === undefined || first.kind === ")" || first.kind === ",") {
      throw bad(`expected a comparison, found ${describe(first)}`);
    }
    if (first.kind === "(") throw bad(`unexpected ${describe(first)}`);
    const fn = keyword(first);
    if (fn !== undefined && FUNCTIONS.has(fn) && this.peek()?.kind === "(") {
      return this.functionCall(fn as FilterFunction);
    }
    const opToken = this.next();
    const op = keyword(opToken);
    if (op === undefined || (op !== "in" && !COMPARE_OPS.has(op))) {
      throw bad(`expected an operator (eq, ne, gt, ge, lt, le, in) after ${describe(first)}, found ${describe(opToken)}`);
    }
    if (op === "in" && this.peek()?.kind === "(") {
      return { kind: "in-list", path: this.path(first), values: this.literalList() };
    }
    if (op === "in") {
      return { kind: "has", path: this.path(this.next()), value: this.literal(first) };
    }
    return { kind: "compare", path: this.path(first), op: op as CompareOp, value: this.literal(this.next()) };
  }

  private functionCall(fn: FilterFunction): FilterNode {
    this.expect("(", `after '${fn}'`);
    const path = this.path(this.next());
    this.expect(",", `after the attribute of '${fn}'`);
    const value = this.literal(this.next());
    this.expect(")", `to close '${fn}('`);
    return { kind: "function", fn, path, value };
  }

  private literalList(): Literal[] {
    this.expect("(", "to open the 'in' list");
    const values = [this.literal(this.next())];
    while (this.peek()?.kind === ",") {
      this.i++;
      values.push(this.literal(this.next()));
    }
    this.expect(")", "to close the 'in' list");
    return values;
  }

  private path(t: Token | undefined): string {
    if (t?.kind !== "word") throw bad(`expected an attribute name, found ${describe(t)}`);
    if (!PATH_RE.test(t.text)) throw bad(`'${t.text}' at position ${t.pos} is not an attribute name`);
    return t.text.replaceAll(".", "/");
  }

  private literal(t: Token | undefined): Literal {
    if (t?.kind === "word") return { text: t.text, quoted: false };
    if (t?.kind === "string") return { text: t.text, quoted: true };
    throw bad(`expected a value, found ${describe(t)}`);
  }
}
