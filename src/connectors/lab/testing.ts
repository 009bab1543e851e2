import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addDemoTopology } from "./demo-topology.ts";
import { LabConnector, initLab } from "./lab-connector.ts";
import { mutateLabState } from "./lab-state.ts";

// Test support: a lab with the demo infrastructure but no VMs, in a temporary directory.

export const MiB = 1024 * 1024;

export interface TestLab {
  lab: LabConnector;
  root: string;
  cleanup(): Promise<void>;
}

export async function createTestLab(name = "test"): Promise<TestLab> {
  const root = await mkdtemp(join(tmpdir(), "obr-lab-test-"));
  const labDir = join(root, name);
  await initLab(labDir, name);
  await mutateLabState(labDir, (state) => {
    addDemoTopology(state);
  });
  return {
    lab: new LabConnector(labDir, `lab://${name}`),
    root,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
