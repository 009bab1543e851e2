// Compares the operations in scope with the ones our /openapi.json declares and the list of
// operations not served yet. Pure: the test feeds it the real documents, its own test fakes.
import { CONTRACT_BASES, type Operation } from "./operations.ts";

/**
 * Path parameter names must be the contract's ({host-id}...). false compares paths with the names
 * normalised and only counts the differences (the test prints how many), for a time when ours
 * are being renamed.
 */
export const EXACT_PARAM_NAMES = true;

export interface CoverageReport {
  /** Operations in scope. */
  total: number;
  /** Operations in scope that we serve. */
  served: number;
  /** Operations in scope listed as not served yet (and indeed not served). */
  listed: number;
  /** Served operations whose path parameter names differ from the contract's. */
  paramNameDiffs: string[];
  /** Everything that makes the test fail, one sentence each. */
  problems: string[];
}

const normalised = (path: string) => path.replace(/\{[^}]*\}/g, "{}");
const route = (op: Operation) => `${op.method} ${normalised(op.path)}`;

function differences(contract: Operation, ours: Operation, exactNames: boolean): string[] {
  const out: string[] = [];
  const compare = (what: string, theirs: unknown, mine: unknown) => {
    if (theirs !== mine) out.push(`${what} is ${JSON.stringify(mine)}, the contract's ${JSON.stringify(theirs)}`);
  };
  compare("operationId", contract.operationId, ours.operationId);
  compare("method", contract.method, ours.method);
  compare("path", exactNames ? contract.path : normalised(contract.path), exactNames ? ours.path : normalised(ours.path));
  compare("success status", contract.successStatus, ours.successStatus);
  compare("kind", contract.async ? "async" : "sync", ours.async ? "async" : "sync");
  return out;
}

export function checkCoverage(
  scope: readonly Operation[],
  ours: readonly Operation[],
  notServed: Readonly<Record<string, readonly string[]>>,
  exactNames = EXACT_PARAM_NAMES,
): CoverageReport {
  const report: CoverageReport = { total: 0, served: 0, listed: 0, paramNameDiffs: [], problems: [] };
  const problem = (text: string) => report.problems.push(text);

  const listedIn = new Map<string, string>();
  for (const [group, ids] of Object.entries(notServed)) {
    for (const id of ids) {
      const other = listedIn.get(id);
      if (other !== undefined) problem(`${id} is listed as not served twice ("${other}", "${group}")`);
      listedIn.set(id, group);
    }
  }
  const inScope = new Map<string, Operation>();
  for (const op of scope) {
    if (inScope.has(op.operationId)) problem(`${op.operationId} is in scope twice`);
    inScope.set(op.operationId, op);
  }
  report.total = inScope.size;
  const oursById = new Map(ours.map((op) => [op.operationId, op]));
  const oursByRoute = new Map(ours.map((op) => [route(op), op]));

  const matched = new Set<Operation>();
  for (const contract of inScope.values()) {
    const mine = oursById.get(contract.operationId) ?? oursByRoute.get(route(contract));
    const where = `${contract.operationId} (${contract.method} ${contract.path})`;
    if (mine === undefined) {
      if (listedIn.has(contract.operationId)) report.listed++;
      else problem(`${where} is neither served nor listed in test/contract/not-served.ts`);
      continue;
    }
    matched.add(mine);
    report.served++;
    if (listedIn.has(contract.operationId)) problem(`${where} is served: remove it from test/contract/not-served.ts`);
    for (const d of differences(contract, mine, exactNames)) problem(`${where}: our ${d}`);
    if (mine.path !== contract.path && normalised(mine.path) === normalised(contract.path)) {
      report.paramNameDiffs.push(`${contract.operationId}: ${mine.path} (contract: ${contract.path})`);
    }
  }
  for (const id of listedIn.keys()) {
    if (!inScope.has(id)) problem(`test/contract/not-served.ts lists ${id}, which is not an operation in scope`);
  }
  for (const op of ours) {
    if (matched.has(op) || !CONTRACT_BASES.some((base) => op.path.startsWith(base))) continue;
    problem(`we serve ${op.operationId} (${op.method} ${op.path}), which is not an operation in scope`);
  }
  return report;
}

/** The one-line summary the test prints. */
export function coverageSummary(report: CoverageReport): string {
  return `served ${report.served} of ${report.total} operations; ${report.listed} listed as not served yet`;
}
