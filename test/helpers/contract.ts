// Validates response bodies against HPE's published schemas in ../shared/greenlake-api (beside the
// repository; OBR_CONTRACT_DIR points elsewhere). Every test that needs the contract goes through
// contractChecks() or describeContract(), so the rule for an absent contract lives here alone: on
// a newcomer's machine its checks are skipped with a message; in CI (CI=true or 1) they fail, since
// CI runs beside ../shared and a silently skipped contract would let every contract check pass.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, test } from "vitest";

export const CONTRACT_DIR = resolve(process.env.OBR_CONTRACT_DIR ?? join(import.meta.dirname, "..", "..", "..", "shared", "greenlake-api"));
const available = existsSync(join(CONTRACT_DIR, "backup-recovery.json"));
const inCi = process.env.CI === "true" || process.env.CI === "1";
const missing = `the API contract is not at ${CONTRACT_DIR}`;

let warned = false;
function warnSkipped(): void {
  if (warned) return;
  warned = true;
  console.warn(`${missing}: contract checks skipped (set OBR_CONTRACT_DIR if it lives elsewhere)`);
}

/** What to do about contract checks: run them, skip them (with a message), or fail. */
export function contractRule(present: boolean, ci: boolean): "check" | "skip" | "fail" {
  if (present) return "check";
  return ci ? "fail" : "skip";
}

/** True when contract checks run; false (warned once) when skipped; throws in CI without the contract. */
export function contractChecks(): boolean {
  const rule = contractRule(available, inCi);
  if (rule === "fail") throw new Error(`${missing}, and CI must check it: check out ../shared beside the repository`);
  if (rule === "skip") warnSkipped();
  return rule === "check";
}

/**
 * describe() for a suite that needs the contract throughout. Without the contract the body is not
 * even collected (so it may read the contract while collecting): one test stands in for it,
 * skipped on a newcomer's machine and failing in CI.
 */
export function describeContract(name: string, body: () => void): void {
  const rule = contractRule(available, inCi);
  if (rule === "check") {
    describe(name, body);
    return;
  }
  if (rule === "skip") warnSkipped();
  (rule === "skip" ? describe.skip : describe)(name, () => test("the API contract is present", contractChecks));
}

export type SpecName = "backup-recovery" | "data-services" | "virtualization";

let ajv: Ajv2020 | undefined;
function validator(): Ajv2020 {
  if (ajv) return ajv;
  ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats.default(ajv);
  // Formats the contract invents: checked as their names say.
  ajv.addFormat("HH:MM", /^([01][0-9]|2[0-3]):[0-5][0-9]$/);
  ajv.addFormat("^[1-9]+$", /^[1-9][0-9]*$/);
  // compat: the contract types some resourceUri fields `format: uri`, yet its own examples (and
  // conventions.md §12) give host-less paths; accept an absolute URI or such a path.
  const uriOrPath = /^(?:[a-z][a-z0-9+.-]*:[^\s]*|\/[^\s]*)$/i;
  ajv.addFormat("uri", uriOrPath);
  ajv.addFormat("Uri", uriOrPath); // virtualization.json spells it so
  // OpenAPI keywords that are not JSON Schema.
  for (const k of ["example", "discriminator", "xml", "externalDocs", "x-nullable"]) ajv.addKeyword(k);
  for (const name of ["backup-recovery", "data-services", "virtualization"] as const) {
    ajv.addSchema({ $id: `${name}.json`, components: readContractDocument(name).components }, `${name}.json`);
  }
  return ajv;
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** One of the contract's OpenAPI documents, parsed. */
export function readContractDocument(name: SpecName): Record<string, unknown> {
  const doc: unknown = JSON.parse(readFileSync(join(CONTRACT_DIR, `${name}.json`), "utf8"));
  if (!isRecord(doc)) throw new Error(`${name}.json is not an OpenAPI document`);
  return doc;
}

/** endpoints.tsv as one record per row, keyed by its header's column names. */
export function readEndpointRows(): Record<string, string>[] {
  const [header = [], ...rows] = readFileSync(join(CONTRACT_DIR, "endpoints.tsv"), "utf8")
    .trim()
    .split("\n")
    .map((line) => line.split("\t"));
  return rows.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ""])));
}

/** Returns the validation errors of `body` against components.schemas[schema] (empty: valid). */
export function contractErrors(spec: SpecName, schema: string, body: unknown): string[] {
  const validate = validator().getSchema(`${spec}.json#/components/schemas/${schema}`);
  if (!validate) throw new Error(`no schema ${schema} in ${spec}.json`);
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
}

export interface ContractOperation {
  method: string;
  /** As the contract spells it, parameter names included. */
  path: string;
  successStatus: number;
  errorStatuses: number[];
  /** Long work: 202 (or the contract's 201 + Location) with an async operation to poll. */
  async: boolean;
}

/** The lowest 2xx status of an OpenAPI responses object, if any. */
export function successStatusOf(responses: unknown): number | undefined {
  if (!isRecord(responses)) return undefined;
  return Object.keys(responses)
    .map(Number)
    .filter((s) => s >= 200 && s < 300)
    .sort((a, b) => a - b)[0];
}

/**
 * Every operation of the contract by operationId: endpoints.tsv's rows (Backup and Recovery, the
 * v1alpha1 hypervisor managers, async operations) and virtualization.json's operations.
 */
export function contractOperations(): Map<string, ContractOperation> {
  const out = new Map<string, ContractOperation>();
  const numbers = (text: string | undefined) => (text ?? "").split(",").map((s) => Number.parseInt(s, 10)).filter((n) => Number.isInteger(n));
  for (const r of readEndpointRows()) {
    // "HypervisorManagerCreate (case inferred from page slug)", "202 (inferred)": the first word.
    const id = (r.operationId ?? "").split(" ")[0]!;
    const async = (r.async ?? "").startsWith("yes");
    out.set(id, { method: r.method!, path: r.path!, successStatus: numbers(r.success_status)[0]!, errorStatuses: numbers(r.error_statuses), async });
  }
  const paths = readContractDocument("virtualization").paths;
  for (const [path, methods] of Object.entries(isRecord(paths) ? paths : {})) {
    if (!isRecord(methods)) continue;
    for (const [method, op] of Object.entries(methods)) {
      if (!isRecord(op) || typeof op.operationId !== "string") continue;
      const statuses = Object.keys(isRecord(op.responses) ? op.responses : {}).map(Number);
      const successStatus = successStatusOf(op.responses) ?? 200;
      out.set(op.operationId, { method: method.toUpperCase(), path, successStatus, errorStatuses: statuses.filter((s) => s >= 400), async: successStatus === 202 });
    }
  }
  return out;
}
