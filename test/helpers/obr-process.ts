// `obr serve` as a real child process on a given data dir and database, for tests that need
// several processes or a process that dies (SIGKILL, crash points).
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const MAIN = join(import.meta.dirname, "..", "..", "src", "main.ts");
export const PROCESS_CLIENT = { id: "process-test-client", secret: "process-test-secret-0123456789abcdef" };

export interface ObrProcess {
  child: ChildProcess;
  url: string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** Starts `obr serve`; resolves once it listens. */
export function serveProcess(dataDir: string, databaseUrl: string, env: Record<string, string> = {}): Promise<ObrProcess> {
  const child = spawn(process.execPath, [MAIN, "serve"], {
    env: {
      ...process.env,
      OBR_DATA_DIR: dataDir,
      OBR_DATABASE_URL: databaseUrl,
      OBR_LISTEN: "127.0.0.1:0",
      OBR_DEMO: "0",
      OBR_LOG_LEVEL: "warn",
      OBR_CLIENT_ID: PROCESS_CLIENT.id,
      OBR_CLIENT_SECRET: PROCESS_CLIENT.secret,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = "";
    const collect = (d: Buffer) => {
      out += d.toString();
      const m = /obr listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]!, exited });
    };
    child.stdout!.on("data", collect);
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    void exited.then((code) => reject(new Error(`obr serve exited (${code}) before listening: ${out}`)));
  });
}

export async function processToken(url: string): Promise<string> {
  const r = await fetch(`${url}/as/token.oauth2`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: PROCESS_CLIENT.id, client_secret: PROCESS_CLIENT.secret }),
  });
  return ((await r.json()) as { access_token: string }).access_token;
}

export async function killProcess(p: ObrProcess): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  await p.exited;
}

export interface OrchestratorProcess {
  child: ChildProcess;
  /** Everything it printed so far (its log lines). */
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `obr orchestrator` against `server` (it prints its activation code, then pairs and works). */
export function orchestratorProcess(server: string, stateDir: string, env: Record<string, string> = {}, args: string[] = []): OrchestratorProcess {
  const child = spawn(process.execPath, [MAIN, "orchestrator", "--server", server, "--state-dir", stateDir, "--heartbeat-seconds", "1", ...args], {
    env: { ...process.env, OBR_TEST_JOBS: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return { child, output: () => out, exited: new Promise((r) => child.once("exit", (code) => r(code))) };
}
