// A repository delete and the check that allows it are one transaction: the guard, asynchronous,
// reads other tables through the delete's own unit of work (the caller's, when given), and its
// refusal leaves everything as it was, on both databases.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { DocumentRepository, StoredDocument } from "../../src/db/document-repository.ts";
import { AppError } from "../../src/domain/app-error.ts";
import type { UnitOfWork } from "../../src/services/async-operations.ts";
import { POLICIES, expectError, json, policyBody } from "../helpers/greenlake.ts";
import { storesOf } from "../helpers/stores.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer;
let policies: DocumentRepository;
let operations: DocumentRepository;
let ws: string;

beforeAll(async () => {
  server = await startTestServer();
  policies = server.services.repositories.get("protection-policies")!;
  operations = server.services.repositories.get("async-operations")!;
  ws = server.admin.workspaceId;
});
afterAll(async () => {
  await server?.stop();
});

const createPolicy = async (name: string) =>
  json<{ id: string; generation: number }>(await server.api(POLICIES, { method: "POST", json: policyBody(name, { stores: await storesOf(server) }) }), 200);
const createOperation = () => server.services.operations.create({ customerId: ws, userId: "test", name: "guard probe" });

describe("delete with an asynchronous guard", () => {
  test("a guard that reads another table and refuses: the delete is refused and the policy unchanged", async () => {
    const policy = await createPolicy("guarded-1");
    const op = await createOperation();
    const guard = async (_doc: StoredDocument, uow: UnitOfWork) => {
      const page = await operations.list(ws, { orderBy: [], offset: 0, limit: 1000 }, undefined, uow);
      if (page.docs.some((d) => d.includes(op.id))) throw AppError.conflict("an operation still refers to it");
    };
    await expect(policies.delete(ws, policy.id, undefined, guard)).rejects.toMatchObject({ httpStatusCode: 409 });
    expect((await json<{ generation: number }>(await server.api(`${POLICIES}/${policy.id}`), 200)).generation).toBe(policy.generation);
  });

  test("in the caller's unit of work the guard sees that transaction's own write, and its refusal undoes the write", async () => {
    const policy = await createPolicy("guarded-2");
    const op = await createOperation();
    const attempt = policies.transaction(async (uow) => {
      await operations.update(ws, op.id, undefined, (o) => ({ ...o, displayName: "renamed in the transaction" }), uow);
      await policies.delete(
        ws,
        policy.id,
        undefined,
        async (_doc, trx) => {
          const seen = await operations.get(ws, op.id, trx);
          if (seen?.displayName === "renamed in the transaction") throw AppError.conflict("refused after reading the transaction's own write");
        },
        uow,
      );
    });
    await expect(attempt).rejects.toMatchObject({ message: "refused after reading the transaction's own write" });
    expect((await operations.get(ws, op.id))?.displayName).toBe("guard probe");
    await json(await server.api(`${POLICIES}/${policy.id}`), 200);
  });

  test("a guard that allows deletes; a stale generation is 412 before the guard runs", async () => {
    const policy = await createPolicy("guarded-3");
    let ran = 0;
    const guard = async () => {
      ran++;
    };
    await expect(policies.delete(ws, policy.id, policy.generation + 1, guard)).rejects.toMatchObject({ httpStatusCode: 412 });
    expect(ran).toBe(0);
    await policies.delete(ws, policy.id, policy.generation, guard);
    expect(ran).toBe(1);
    await expectError(await server.api(`${POLICIES}/${policy.id}`), 404);
  });
});
