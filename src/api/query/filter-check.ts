// Type checking of a parsed filter against the collection catalogue: resolves attributes,
// types literals and rejects operator/type combinations that have no meaning.
import { AppError } from "../../domain/app-error.ts";
import { attrName, filterAttribute } from "./attribute-lookup.ts";
import { coerceLiteral, isNullLiteral, stringOf } from "./literal-coerce.ts";
import type { AttrType, CheckedFilter, CollectionQuerySpec, FilterNode, Literal, ScalarValue } from "./types.ts";

export function checkFilter(node: FilterNode, spec: CollectionQuerySpec): CheckedFilter {
  switch (node.kind) {
    case "and":
    case "or":
      return { kind: node.kind, children: node.children.map((c) => checkFilter(c, spec)) };
    case "not":
      return { kind: "not", child: checkFilter(node.child, spec) };
    case "compare": {
      const attr = filterAttribute(spec, node.path);
      if (isNullLiteral(node.value)) {
        if (node.op !== "eq" && node.op !== "ne") {
          throw AppError.badRequest(`filter operator '${node.op}' cannot compare attribute '${node.path}' with null`);
        }
        return { kind: "compare", attr, op: node.op, value: null };
      }
      if (attr.type === "boolean" && node.op !== "eq" && node.op !== "ne") {
        throw AppError.badRequest(`filter operator '${node.op}' does not apply to boolean attribute '${node.path}'`);
      }
      return { kind: "compare", attr, op: node.op, value: coerceLiteral(node.value, attr.type, node.path) };
    }
    case "in-list": {
      const attr = filterAttribute(spec, node.path);
      const values = node.values.map((v) => nullable(v, attr.type, node.path));
      const present = values.filter((v) => v !== null);
      if (present.length === values.length) return { kind: "in-list", attr, values: present };
      // `x in (null, 'a')` means `x eq null or x in ('a')`, keeping one null semantics.
      const isNull: CheckedFilter = { kind: "compare", attr, op: "eq", value: null };
      if (present.length === 0) return isNull;
      return { kind: "or", children: [isNull, { kind: "in-list", attr, values: present }] };
    }
    case "has": {
      // `'v' in arrayProp` is membership in an array: existential equality on its elements.
      const attr = filterAttribute(spec, node.path);
      if (attr.arrayAt.length === 0) {
        throw AppError.badRequest(`filter attribute '${node.path}' is not an array, so 'in' needs a list: ${node.path} in (...)`);
      }
      if (isNullLiteral(node.value)) throw AppError.badRequest(`filter: null cannot be a member of '${node.path}'`);
      return { kind: "compare", attr, op: "eq", value: coerceLiteral(node.value, attr.type, node.path) };
    }
    case "function": {
      const attr = filterAttribute(spec, node.path);
      if (attr.type !== "string" && attr.type !== "date-time") {
        throw AppError.badRequest(`filter function '${node.fn}' needs a string attribute, '${attrName(attr)}' is ${attr.type}`);
      }
      if (isNullLiteral(node.value)) throw AppError.badRequest(`filter function '${node.fn}' needs a string, not null`);
      return { kind: "function", fn: node.fn, attr, value: stringOf(node.value, node.path) };
    }
  }
}

function nullable(lit: Literal, type: AttrType, name: string): ScalarValue | null {
  return isNullLiteral(lit) ? null : coerceLiteral(lit, type, name);
}
