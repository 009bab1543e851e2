// The coverage check's verdicts on small made-up documents: each way an operation can be wrong
// is reported, so the endpoint coverage test cannot pass by overlooking one.
import { describe, expect, test } from "vitest";
import { checkCoverage, coverageSummary } from "./coverage-check.ts";
import { type Operation, documentOperations } from "./operations.ts";

const VM = "/virtualization/v1beta1/virtual-machines";
const contract: Operation[] = [
  { method: "GET", path: `${VM}/{vm-id}`, operationId: "VirtualMachine", successStatus: 200, async: false },
  { method: "POST", path: `${VM}/{vm-id}/power-on`, operationId: "VMPowerOn", successStatus: 202, async: true },
  { method: "GET", path: "/backup-recovery/v1beta1/protection-jobs", operationId: "DataManagementJobsList", successStatus: 200, async: false },
];
const served: Operation[] = [
  { method: "GET", path: `${VM}/{id}`, operationId: "VirtualMachine", successStatus: 200, async: false },
  { method: "POST", path: `${VM}/{id}/power-on`, operationId: "VMPowerOn", successStatus: 202, async: true },
];
const notServed = { "issue 13": ["DataManagementJobsList"] };
const problemsWith = (ours: Operation[], listed: Record<string, string[]> = notServed, exact = false) =>
  checkCoverage(contract, ours, listed, exact).problems;

describe("checkCoverage", () => {
  test("served as the contract says, the rest listed: no problem, and the counts of the summary", () => {
    const report = checkCoverage(contract, served, notServed, false);
    expect(report.problems).toEqual([]);
    expect(coverageSummary(report)).toBe("served 2 of 3 operations; 1 listed as not served yet");
    expect(report.paramNameDiffs).toHaveLength(2);
  });

  test("a different success status, kind, method or operationId is reported", () => {
    const [get, power] = served;
    expect(problemsWith([{ ...get!, successStatus: 201 }, power!])).toEqual([
      `VirtualMachine (GET ${VM}/{vm-id}): our success status is 201, the contract's 200`,
    ]);
    expect(problemsWith([get!, { ...power!, successStatus: 200, async: false }])).toHaveLength(2);
    expect(problemsWith([{ ...get!, method: "PUT" }, power!])).toEqual([`VirtualMachine (GET ${VM}/{vm-id}): our method is "PUT", the contract's "GET"`]);
    // Found by its route, under another name.
    expect(problemsWith([{ ...get!, operationId: "GetVm" }, power!])).toEqual([
      `VirtualMachine (GET ${VM}/{vm-id}): our operationId is "GetVm", the contract's "VirtualMachine"`,
    ]);
  });

  test("a path that differs beyond parameter names is reported; parameter names only when exact", () => {
    expect(problemsWith([{ ...served[0]!, path: `${VM}/{id}/x` }, served[1]!])).toHaveLength(1);
    expect(problemsWith(served, notServed, true)).toEqual([
      `VirtualMachine (GET ${VM}/{vm-id}): our path is "${VM}/{id}", the contract's "${VM}/{vm-id}"`,
      `VMPowerOn (POST ${VM}/{vm-id}/power-on): our path is "${VM}/{id}/power-on", the contract's "${VM}/{vm-id}/power-on"`,
    ]);
  });

  test("an operation neither served nor listed is reported", () => {
    expect(problemsWith(served.slice(0, 1))).toEqual([`VMPowerOn (POST ${VM}/{vm-id}/power-on) is neither served nor listed in test/contract/not-served.ts`]);
  });

  test("a listed operation that is served, a stale or doubled list entry are reported", () => {
    const jobs = { method: "GET", path: "/backup-recovery/v1beta1/protection-jobs", operationId: "DataManagementJobsList", successStatus: 200, async: false };
    expect(problemsWith([...served, jobs])).toEqual([
      "DataManagementJobsList (GET /backup-recovery/v1beta1/protection-jobs) is served: remove it from test/contract/not-served.ts",
    ]);
    expect(problemsWith(served, { a: ["DataManagementJobsList", "NoSuchOperation"] })).toEqual([
      "test/contract/not-served.ts lists NoSuchOperation, which is not an operation in scope",
    ]);
    expect(problemsWith(served, { a: ["DataManagementJobsList"], b: ["DataManagementJobsList"] })).toHaveLength(1);
  });

  test("an operation we declare under a contract base that is not in scope is reported; our own API is not", () => {
    const extra = { method: "GET", path: "/backup-recovery/v1beta1/made-up", operationId: "MadeUp", successStatus: 200, async: false };
    const own = { ...extra, path: "/obr/v1/api-clients", operationId: "ApiClientList" };
    expect(problemsWith([...served, extra, own])).toEqual(["we serve MadeUp (GET /backup-recovery/v1beta1/made-up), which is not an operation in scope"]);
  });
});

describe("documentOperations", () => {
  test("the success status is the lowest 2xx; async means 202 (a 201 with Location is a create)", () => {
    const doc = {
      paths: {
        "/a": {
          parameters: [],
          get: { operationId: "A", responses: { 200: {}, 400: {} } },
          post: { operationId: "ACreate", responses: { 201: { headers: { Location: { schema: { type: "string" } } } }, 400: {} } },
        },
        "/a/{id}": { delete: { operationId: "ADelete", responses: { 202: {}, 404: {} } }, patch: { responses: { 200: {} } } },
      },
    };
    expect(documentOperations(doc)).toEqual([
      { method: "GET", path: "/a", operationId: "A", successStatus: 200, async: false },
      { method: "POST", path: "/a", operationId: "ACreate", successStatus: 201, async: false },
      { method: "DELETE", path: "/a/{id}", operationId: "ADelete", successStatus: 202, async: true },
    ]);
  });
});
