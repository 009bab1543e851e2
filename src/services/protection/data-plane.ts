// What moving a VM's data needs, and nothing else: the hypervisor's connector and the chunk
// stores, with no database. The control plane's embedded orchestrator and a separate `obr
// orchestrator` process each build one (src/container.ts), and the same tier and restore code
// runs on either (tier-data.ts, restore-data.ts).
import type { CrashPoints } from "../../platform/crash-points.ts";
import type { ImageStore } from "../infrastructure/image-store.ts";
import type { ConnectorRegistry, HypervisorConnector } from "../ports/hypervisor-connector.ts";
import type { StoreRegistry } from "../infrastructure/store-registry.ts";
import type { ProgressSink } from "./run-progress.ts";
import type { StoreAt } from "./tier-plan.ts";

export interface DataPlane {
  /** The connector at a hypervisor manager's address ("lab://demo"). */
  connector(address: string): HypervisorConnector;
  /** The chunk store at a location, opened once and kept open. */
  store(at: StoreAt): Promise<ImageStore>;
  crash: CrashPoints;
  /** Which process moves the data, for the operation's log ("data orchestrator <id>, process <pid>"). */
  where: string;
}

/** A data plane's view of the job it works for: progress, log lines and cancellation. */
export interface DataWork extends ProgressSink {
  /** Aborted when the job's lease is lost, its process stops or its time limit passes. */
  signal: AbortSignal;
  log(message: string): Promise<void>;
}

/** A data plane over a process's connector registry and open chunk stores. */
export function localDataPlane(connectors: ConnectorRegistry, stores: Pick<StoreRegistry, "open">, crash: CrashPoints, where: string): DataPlane {
  return {
    connector: (address) => connectors.resolve(address),
    store: (at) => stores.open(at.id, { ...("dir" in at ? { dir: at.dir } : { s3: at.s3 }), ...(at.key !== undefined ? { key: at.key } : {}) }),
    crash,
    where,
  };
}
