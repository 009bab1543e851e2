import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CrashPoint } from "../../platform/crash-points.ts";
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
 * at `point`; resolves with its exit code (137 when it reached the point).
 */
export async function runUntilCrash(t: TestLab, point: CrashPoint, code: string): Promise<number | null> {
  const script = join(t.root, `crash-${randomSuffix()}.ts`);
  const url = (file: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, file)).href);
  await writeFile(
    script,
    `import { LabConnector } from ${url("lab-connector.ts")};
import { crashPointsAt } from ${url("../../platform/crash-points.ts")};
const lab = new LabConnector(${JSON.stringify(t.lab.labDir)}, "lab://test", crashPointsAt(${JSON.stringify(point)}, (code) => process.exit(code)));
${code}
`,
  );
  const child = spawn(process.execPath, [script], { stdio: "inherit" });
  return new Promise((resolve) => child.on("exit", (exitCode) => resolve(exitCode)));
}

const randomSuffix = () => Math.random().toString(36).slice(2, 10);
