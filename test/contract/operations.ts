// The operations in scope, read from the contract, and the operations an OpenAPI document (ours or
// the contract's) declares, in one shape so that the coverage check compares like with like.
import { contractOperations, isRecord, readContractDocument, successStatusOf } from "../helpers/contract.ts";

export interface Operation {
  method: string;
  path: string;
  operationId: string;
  /** The lowest 2xx status the operation answers. */
  successStatus: number;
  /** Long work: 202 with a Location header to an async operation to poll. */
  async: boolean;
}

/** The API bases the contract covers; anything we declare under them must be in scope. */
export const CONTRACT_BASES = ["/backup-recovery/", "/data-services/", "/virtualization/"];

// Beyond endpoints.tsv and the Virtualization API: the storage locations a cloud store's region
// comes from (issue 12 puts them in scope).
const DATA_SERVICES_IN_SCOPE = new Set(["ListLocations"]);

const METHODS = ["get", "put", "post", "delete", "patch"] as const;

/** Every operation with an operationId in an OpenAPI document; async means a 202 success status. */
export function documentOperations(doc: unknown): Operation[] {
  const out: Operation[] = [];
  const paths = isRecord(doc) && isRecord(doc.paths) ? doc.paths : {};
  for (const [path, item] of Object.entries(paths)) {
    if (!isRecord(item)) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (!isRecord(op) || typeof op.operationId !== "string") continue;
      const successStatus = successStatusOf(op.responses);
      if (successStatus === undefined) throw new Error(`${method.toUpperCase()} ${path} declares no 2xx response`);
      out.push({ method: method.toUpperCase(), path, operationId: op.operationId, successStatus, async: successStatus === 202 });
    }
  }
  return out;
}

/**
 * The operations in scope: every endpoints.tsv row (Backup and Recovery, the v1alpha1 hypervisor
 * managers, async operations), the Virtualization API without its out-of-scope csp-* paths, and
 * the data-services operations named above.
 */
export function operationsInScope(): Operation[] {
  // endpoints.tsv also marks POST /data-orchestrators async ("201+Location, body returned"), but
  // its Location names the registered orchestrator, not an async operation: like ours, a 201 create.
  const contract = [...contractOperations()]
    .filter(([, op]) => !op.path.includes("/csp-"))
    .map(([operationId, { method, path, successStatus, async }]) => ({ method, path, operationId, successStatus, async: async && successStatus === 202 }));
  const dataServices = documentOperations(readContractDocument("data-services")).filter((op) => DATA_SERVICES_IN_SCOPE.has(op.operationId));
  return [...contract, ...dataServices];
}
