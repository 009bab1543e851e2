import { join } from "node:path";
import { ConnectorError } from "./connector-error.ts";
import type { CrashPoints } from "../platform/crash-points.ts";
import type { ConnectorRegistry, HypervisorConnector } from "../services/ports/hypervisor-connector.ts";
import { LabConnector } from "./lab/lab-connector.ts";

// Maps a hypervisor manager's address to its connector. `lab://<name>` is the built-in lab kept
// in <labRoot>/<name>; a vCenter connector will add its scheme here without touching callers.

const LAB_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export interface ConnectorRegistryOptions {
  /** Directory holding the labs (e.g. <dataDir>/lab). */
  labRoot: string;
  /** Where lab work stops dead in crash tests (OBR_CRASH_POINT); none by default. */
  crashPoints?: CrashPoints;
}

export type { ConnectorRegistry };

/** Directory of the lab named in a `lab://<name>` address. */
export function labDirFor(labRoot: string, address: string): string {
  const name = address.startsWith("lab://") ? address.slice("lab://".length).replace(/\/$/, "") : undefined;
  if (name === undefined) throw new ConnectorError("bad-argument", `no connector for ${address}`);
  if (!LAB_NAME.test(name)) throw new ConnectorError("bad-argument", `invalid lab name in ${address}`);
  return join(labRoot, name);
}

export function createConnectorRegistry(options: ConnectorRegistryOptions): ConnectorRegistry {
  const connectors = new Map<string, HypervisorConnector>();
  return {
    resolve(address) {
      const existing = connectors.get(address);
      if (existing) return existing;
      const connector = new LabConnector(labDirFor(options.labRoot, address), address, options.crashPoints);
      connectors.set(address, connector);
      return connector;
    },
    async close() {
      for (const c of connectors.values()) await c.close();
      connectors.clear();
    },
  };
}
