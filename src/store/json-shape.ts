// Shape checks of the store's own small JSON records (config.json, lease records) without a
// schema library. TypeBox did this before: it is 709 modules, ≈ 100 ms to load here, four fifths
// of the store library's load time, paid by every process that opens a store (each CLI command,
// each benchmark step). A check names the first field that does not fit, as config.json's
// errors must, and narrows the value to the shape's static type.

type Common = { optional?: true };
export type Shape =
  | ({ t: "literal"; of: readonly (string | number)[] } & Common)
  | ({ t: "string"; minLength?: number; maxLength?: number; pattern?: RegExp } & Common)
  | ({ t: "integer"; minimum?: number; maximum?: number } & Common)
  | ({ t: "number" } & Common)
  | ({ t: "unknown" } & Common)
  | ({ t: "object"; fields: Readonly<Record<string, Shape>>; open?: boolean } & Common);

type Optional<F> = { [K in keyof F]: F[K] extends { optional: true } ? K : never }[keyof F];
type ObjectOf<F> = { [K in Exclude<keyof F, Optional<F>>]: Static<F[K]> } & { [K in Optional<F>]?: Static<F[K]> };
/** The TypeScript type of the values a shape accepts. */
export type Static<S> = S extends { t: "literal"; of: readonly (infer L)[] }
  ? L
  : S extends { t: "string" }
    ? string
    : S extends { t: "integer" } | { t: "number" }
      ? number
      : S extends { t: "object"; fields: infer F }
        ? ObjectOf<F>
        : unknown;

export const S = {
  literal: <const L extends readonly (string | number)[]>(...of: L) => ({ t: "literal", of }) as const,
  string: (o: { minLength?: number; maxLength?: number; pattern?: RegExp } = {}) => ({ t: "string", ...o }) as const,
  integer: (o: { minimum?: number; maximum?: number } = {}) => ({ t: "integer", ...o }) as const,
  number: () => ({ t: "number" }) as const,
  unknown: () => ({ t: "unknown" }) as const,
  /** Unknown keys are refused unless `open` (a renamed key is never read as an absent optional one). */
  object: <const F extends Readonly<Record<string, Shape>>>(fields: F, o: { open?: boolean } = {}) => ({ t: "object", fields, ...o }) as const,
  optional: <T extends Shape>(shape: T): T & { optional: true } => ({ ...shape, optional: true }),
};

export interface ShapeProblem {
  /** dotted path of the field ("chunking.maxSize"); "" for the value itself */
  field: string;
  problem: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
const found = (problem: string, v: unknown) => `${problem} (found ${JSON.stringify(v)})`;

/** The first field of value that does not fit the shape, or null. */
export function shapeProblem(shape: Shape, v: unknown, path = ""): ShapeProblem | null {
  const bad = (problem: string): ShapeProblem => ({ field: path, problem: found(problem, v) });
  switch (shape.t) {
    case "literal":
      return shape.of.some((x) => x === v) ? null : bad(`expected ${shape.of.map((x) => JSON.stringify(x)).join(" or ")}`);
    case "string":
      if (typeof v !== "string") return bad("expected a string");
      if (v.length < (shape.minLength ?? 0) || v.length > (shape.maxLength ?? Infinity)) return bad(`expected ${shape.minLength ?? 0}–${shape.maxLength ?? "any"} characters`);
      return shape.pattern && !shape.pattern.test(v) ? bad(`expected to match ${shape.pattern}`) : null;
    case "integer":
      if (typeof v !== "number" || !Number.isInteger(v)) return bad("expected an integer");
      return v < (shape.minimum ?? -Infinity) || v > (shape.maximum ?? Infinity) ? bad(`expected an integer in [${shape.minimum ?? "-∞"}, ${shape.maximum ?? "∞"}]`) : null;
    case "number":
      return typeof v === "number" && Number.isFinite(v) ? null : bad("expected a number");
    case "unknown":
      return null;
    case "object": {
      if (!isRecord(v)) return bad("expected an object");
      for (const [key, field] of Object.entries(shape.fields)) if (!Object.hasOwn(v, key) && !field.optional) return { field: join(path, key), problem: "missing" };
      if (!shape.open) for (const key of Object.keys(v)) if (!Object.hasOwn(shape.fields, key)) return { field: join(path, key), problem: "unknown field (a damaged or renamed key)" };
      for (const [key, field] of Object.entries(shape.fields)) {
        if (!Object.hasOwn(v, key)) continue;
        const p = shapeProblem(field, v[key], join(path, key));
        if (p) return p;
      }
      return null;
    }
  }
}

/** Whether value fits the shape, narrowing it to the shape's type. */
export function fits<T extends Shape>(shape: T, v: unknown): v is Static<T> {
  return shapeProblem(shape, v) === null;
}
