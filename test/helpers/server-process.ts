// `obr serve` as a real child process, for tests that kill servers and restart them on the same
// data dir and database: start, token, wait for its death, kill.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const MAIN = join(import.meta.dirname, "..", "..", "src", "main.ts");
export const PROCESS_CLIENT = { id: "crash-test-client", secret: "crash-test-secret-0123456789abcdef" };

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Resolves when the process ends, with the signal that ended it (null for a normal exit). */
  exited: Promise<NodeJS.Signals | null>;
}

/** Starts `obr serve` (no demo, 1 s job leases); resolves once it listens. `env` adds or overrides variables. */
export function serve(dataDir: string, databaseUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const fullEnv = {
    ...process.env,
    OBR_DATA_DIR: dataDir,
    OBR_DATABASE_URL: databaseUrl,
    OBR_LISTEN: "127.0.0.1:0",
    OBR_DEMO: "0",
    OBR_JOB_LEASE_SECONDS: "1",
    OBR_LOG_LEVEL: "warn",
    OBR_CLIENT_ID: PROCESS_CLIENT.id,
    OBR_CLIENT_SECRET: PROCESS_CLIENT.secret,
    ...env,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, "serve"], { env: fullEnv, stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<NodeJS.Signals | null>((done) => child.once("exit", (_code, signal) => done(signal)));
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const url = /obr listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve({ child, url, exited });
    });
    child.stderr?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.once("exit", (code) => reject(new Error(`obr serve exited (${code}) before listening: ${out}`)));
  });
}

export async function processToken(url: string): Promise<string> {
  const r = await fetch(`${url}/as/token.oauth2`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: PROCESS_CLIENT.id, client_secret: PROCESS_CLIENT.secret }),
  });
  const body: unknown = await r.json();
  if (typeof body !== "object" || body === null || !("access_token" in body) || typeof body.access_token !== "string") {
    throw new Error(`no token from ${url}: ${JSON.stringify(body)}`);
  }
  return body.access_token;
}

/** SIGKILLs the server (if it still runs) and waits for it to be gone. */
export async function killServer(server: ServerProcess): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
  await server.exited;
}

/** The workspace (customer) id a token was issued for. */
export function workspaceOf(token: string): string {
  const claims: unknown = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString());
  if (typeof claims !== "object" || claims === null || !("cid" in claims) || typeof claims.cid !== "string") throw new Error("token without a cid claim");
  return claims.cid;
}
