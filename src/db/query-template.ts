// A Kysely query built and compiled once with placeholder values, then run with the real ones:
// building and compiling costs more than running a point lookup, and only the values change.
import type { CompiledQuery } from "kysely";

/** Placeholders stand in for any value type while the query is built (never reaches SQL). */
export type Slots<K extends string> = Readonly<Record<K, never>>;

export interface QueryTemplate<R, K extends string> {
  bind(values: Readonly<Record<K, unknown>>): CompiledQuery<R>;
}

export function compileTemplate<R, K extends string>(
  names: readonly K[],
  build: (slots: Slots<K>) => { compile(): CompiledQuery<R> },
): QueryTemplate<R, K> {
  // Each placeholder is a unique object, found again by identity among the compiled parameters.
  const slots = Object.fromEntries(names.map((name) => [name, { placeholder: name }])) as unknown as Record<K, object>;
  const compiled = build(slots as unknown as Slots<K>);
  const query = compiled.compile();
  const at = query.parameters.map((p) => names.find((name) => slots[name] === p));
  for (const name of names) {
    if (!at.includes(name)) throw new Error(`query template: placeholder '${name}' is not a parameter of ${query.sql}`);
  }
  return {
    bind: (values) => ({ ...query, parameters: at.map((name, i) => (name === undefined ? query.parameters[i] : values[name])) }),
  };
}
