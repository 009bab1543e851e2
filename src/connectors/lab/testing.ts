import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CrashPointName } from "./crash-point.ts";
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

/**
 * Runs `code` (statements using `lab`, a LabConnector on `t`'s lab) in a child process told to die
 * at `point`; resolves with the signal that ended it (SIGKILL when it reached the point).
 */
export async function runUntilCrash(t: TestLab, point: CrashPointName, code: string): Promise<NodeJS.Signals | null> {
  const script = join(t.root, `crash-${randomSuffix()}.ts`);
  const connector = pathToFileURL(join(import.meta.dirname, "lab-connector.ts")).href;
  await writeFile(script, `import { LabConnector } from ${JSON.stringify(connector)};
const lab = new LabConnector(${JSON.stringify(t.lab.labDir)}, "lab://test");
${code}
`);
  const child = spawn(process.execPath, [script], { stdio: "inherit", env: { ...process.env, OBR_CRASH_AT: point } });
  return new Promise((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
}

const randomSuffix = () => Math.random().toString(36).slice(2, 10);
