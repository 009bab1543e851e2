// Shared types of the list-query machinery: the collection description the compiler works
// against, and the filter AST produced by the parser.

export type Dialect = "sqlite" | "postgres";

/**
 * Scalar types a filter/sort can compare. "json" marks values that are not comparable scalars
 * (free-form objects, arrays of arrays, untyped schema nodes): selectable, never filterable or
 * sortable.
 */
export type AttrType = "string" | "integer" | "number" | "boolean" | "date-time" | "json";

export interface AttributeInfo {
  /** Property names from the document root, e.g. ['protections', 'type']. */
  path: string[];
  type: AttrType;
  /**
   * Indexes into `path` after which the value is an array: protections/type with protections an
   * array → [0]; tags (array of strings) → [0] with path ['tags'].
   */
  arrayAt: number[];
  /** Promoted column mirroring the value (NULL where the document lacks it); never inside arrays. */
  column?: string;
}

export interface CollectionQuerySpec {
  /** Key = path joined with '/'. */
  attributes: Map<string, AttributeInfo>;
  filterable: Set<string> | "all";
  sortable: Set<string> | "all-scalars";
  limitDefault: number;
  limitMax: number;
  /** Smallest accepted `limit`; default 1 (StoreOnce declares 0). */
  limitMin?: number;
  offsetMax?: number;
  /** Column holding the JSON document; default 'doc'. May be qualified ('t.doc'). */
  docColumn?: string;
  /** Promoted columns that never hold NULL: sorts on them need no NULLS clause (index-friendly). */
  notNullColumns?: ReadonlySet<string>;
  /** Column used as the final sort tiebreaker; default 'id'. */
  idColumn?: string;
}

export type CompareOp = "eq" | "ne" | "gt" | "ge" | "lt" | "le";
export type FilterFunction = "contains" | "startswith";

/** A literal as written: its text (quotes removed, escapes resolved) and whether it was quoted. */
export interface Literal {
  text: string;
  quoted: boolean;
}

/** Untyped filter AST as parsed; paths are '/'-joined as written ('.' normalised to '/'). */
export type FilterNode =
  | { kind: "and" | "or"; children: FilterNode[] }
  | { kind: "not"; child: FilterNode }
  | { kind: "compare"; path: string; op: CompareOp; value: Literal }
  /** `path in (v1, v2, ...)` */
  | { kind: "in-list"; path: string; values: Literal[] }
  /** `'v' in arrayPath`: the array property contains v. */
  | { kind: "has"; path: string; value: Literal }
  | { kind: "function"; fn: FilterFunction; path: string; value: Literal };

export type ScalarValue = string | number | boolean;

/** Filter AST after checking against the catalogue: attributes resolved, literals typed. */
export type CheckedFilter =
  | { kind: "and" | "or"; children: CheckedFilter[] }
  | { kind: "not"; child: CheckedFilter }
  | { kind: "compare"; attr: AttributeInfo; op: CompareOp; value: ScalarValue | null }
  | { kind: "in-list"; attr: AttributeInfo; values: ScalarValue[] }
  | { kind: "function"; fn: FilterFunction; attr: AttributeInfo; value: string };

export type SortDirection = "asc" | "desc";
