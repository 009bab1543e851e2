// defineJob's remote parts: what a separate orchestrator reports is checked against the job
// type's result schema before anything is recorded, and the record sees the typed result.
import { Type } from "typebox";
import { describe, expect, it } from "vitest";
import type { AsyncOperation, UnitOfWork } from "../services/async-operations.ts";
import { defineJob } from "./job-handler.ts";

const recorded: number[] = [];
const handler = defineJob({
  type: "test.remote-parts",
  payload: Type.Object({ n: Type.Integer() }),
  resumable: false,
  run: async () => [],
  remote: {
    result: Type.Object({ copied: Type.Integer({ minimum: 0 }) }),
    plan: async ({ payload }) => ({ twice: payload.n * 2 }),
    record: async ({ result }) => {
      recorded.push(result.copied);
      return [{ name: "copy", resourceUri: `/copies/${result.copied}`, type: "copy" }];
    },
  },
});

const start = { customerId: "c", operation: { id: "op" } as unknown as AsyncOperation, payload: { n: 3 }, orchestratorId: "o" };
const uow = {} as UnitOfWork;

describe("a job type's remote parts", () => {
  it("plans from the typed payload", async () => {
    expect(await handler.remote?.plan(start)).toEqual({ twice: 6 });
  });
  it("names what is wrong with a result that does not match its schema, and records none", async () => {
    expect(handler.remote?.checkResult({ copied: 4 })).toBeUndefined();
    expect(handler.remote?.checkResult({ copied: -1 })).toMatch(/^invalid result at '\/copied'/);
    expect(handler.remote?.checkResult("nonsense")).toMatch(/^invalid result/);
    await expect(handler.remote?.record({ ...start, result: { copied: "x" }, uow })).rejects.toThrow(/invalid result/);
    expect(recorded).toEqual([]);
    expect(await handler.remote?.record({ ...start, result: { copied: 4 }, uow })).toEqual([{ name: "copy", resourceUri: "/copies/4", type: "copy" }]);
    expect(recorded).toEqual([4]);
  });
});
