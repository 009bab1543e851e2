import { expect, test } from "vitest";
import { etagOf, etagOfRaw } from "./etag.ts";

test("the top-level generation of SQLite and PostgreSQL (jsonb) text", () => {
  expect(etagOfRaw('{"id":"a","generation":12,"name":"x"}')).toBe('"12"');
  expect(etagOfRaw('{"id": "a", "name": "x", "generation": 7}')).toBe('"7"');
});

test("a nested object's or a string's generation is never taken for the document's", () => {
  expect(etagOfRaw('{"info":{"generation":9},"generation":3}')).toBe('"3"');
  expect(etagOfRaw(JSON.stringify({ description: '"generation":5,', generation: 4 }))).toBe('"4"');
  expect(etagOfRaw('{"id":"a"}')).toBeUndefined();
});

test("a written resource's generation; none for other bodies", () => {
  expect(etagOf({ id: "a", generation: 2 })).toBe('"2"');
  expect(etagOf({})).toBeUndefined();
  expect(etagOf({ generation: "2" })).toBeUndefined();
});
