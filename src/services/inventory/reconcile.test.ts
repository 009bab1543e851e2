// reconcile() against an in-memory repository: inserts, real-change-only updates (key order does
// not count), preserved fields, and the three ways of handling objects that are gone.
import { describe, expect, test } from "vitest";
import { systemClock } from "../../domain/clock.ts";
import type { DocumentRepository, StoredDocument } from "../ports/documents.ts";
import type { InventoryDoc } from "./mappers/map-context.ts";
import { reconcile } from "./reconcile.ts";

function memoryRepository() {
  const docs = new Map<string, StoredDocument>();
  const repo = {
    clock: systemClock,
    async insert(doc: StoredDocument) {
      if (docs.has(doc.id)) throw Object.assign(new Error("duplicate"), { code: "SQLITE_CONSTRAINT_PRIMARYKEY" });
      docs.set(doc.id, structuredClone(doc));
    },
    async get(_c: string, id: string) {
      return docs.get(id);
    },
    async update(_c: string, id: string, _g: number | undefined, transform: (d: StoredDocument) => StoredDocument) {
      const next = transform(structuredClone(docs.get(id)!));
      next.generation += 1;
      docs.set(id, next);
      return next;
    },
    async delete(_c: string, id: string) {
      docs.delete(id);
    },
  };
  return { docs, repo: repo as unknown as DocumentRepository };
}

const mapped = (id: string, extra: Record<string, unknown> = {}): InventoryDoc => ({ id, customerId: "c", name: id, type: "t", resourceUri: `/x/${id}`, state: "OK", status: "OK", ...extra });

describe("reconcile", () => {
  test("inserts new documents with initial values, then leaves unchanged ones alone", async () => {
    const { docs, repo } = memoryRepository();
    const counts = await reconcile(repo, [], [mapped("a"), mapped("b")], { gone: "deleted", initial: { protectionStatus: "UNPROTECTED" } });
    expect(counts).toEqual({ created: 2, updated: 0, gone: 0 });
    expect(docs.get("a")).toMatchObject({ generation: 1, protectionStatus: "UNPROTECTED" });
    // Same content with keys in another order (as PostgreSQL jsonb returns them): no update.
    const stored = [...docs.values()].map((d) => Object.fromEntries(Object.entries(d).reverse()) as StoredDocument);
    const again = await reconcile(repo, stored, [mapped("a"), mapped("b")], { gone: "deleted", initial: { protectionStatus: "UNPROTECTED" } });
    expect(again).toEqual({ created: 0, updated: 0, gone: 0 });
  });

  test("a change bumps the generation and keeps preserved fields and createdAt", async () => {
    const { docs, repo } = memoryRepository();
    await reconcile(repo, [], [mapped("a")], { gone: "deleted" });
    docs.get("a")!.protectionStatus = "PROTECTED";
    const createdAt = docs.get("a")!.createdAt;
    const counts = await reconcile(repo, [...docs.values()], [mapped("a", { powerState: "POWERED_OFF" })], { gone: "deleted", preserve: ["protectionStatus"] });
    expect(counts.updated).toBe(1);
    expect(docs.get("a")).toMatchObject({ generation: 2, powerState: "POWERED_OFF", protectionStatus: "PROTECTED", createdAt });
  });

  test("gone objects are marked DELETED, ERROR, or removed, once", async () => {
    for (const [gone, check] of [
      ["deleted", (d?: StoredDocument) => expect(d).toMatchObject({ state: "DELETED", status: "ERROR" })],
      ["error", (d?: StoredDocument) => expect(d).toMatchObject({ state: "ERROR", status: "ERROR" })],
      ["remove", (d?: StoredDocument) => expect(d).toBeUndefined()],
    ] as const) {
      const { docs, repo } = memoryRepository();
      await reconcile(repo, [], [mapped("a"), mapped("b", { allowedOperations: ["X"] })], { gone });
      expect((await reconcile(repo, [...docs.values()], [mapped("a")], { gone })).gone).toBe(1);
      check(docs.get("b"));
      if (gone === "deleted") expect(docs.get("b")!.allowedOperations).toEqual([]);
      if (gone !== "remove") expect((await reconcile(repo, [...docs.values()], [mapped("a")], { gone })).gone).toBe(0);
    }
  });

  test("onlyIds limits the work to those documents", async () => {
    const { docs, repo } = memoryRepository();
    await reconcile(repo, [], [mapped("a"), mapped("b")], { gone: "deleted" });
    const counts = await reconcile(repo, [...docs.values()], [mapped("a", { powerState: "X" })], { gone: "deleted", onlyIds: new Set(["a"]) });
    expect(counts).toEqual({ created: 0, updated: 1, gone: 0 });
    expect(docs.get("b")!.state).toBe("OK");
  });
});
