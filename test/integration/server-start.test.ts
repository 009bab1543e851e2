// `obr serve` as a real process: /health says "starting" until the first-start work is done (so
// a script waiting for it can read credentials.json), a busy port or a bad setting ends the start
// with one line and exit code 1 and leaves no data dir behind; OBR_TLS_CERT/OBR_TLS_KEY serve HTTPS.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:https";
import { type Server, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sleep } from "../helpers/greenlake.ts";
import pino from "pino";
import { loadConfig } from "../../src/config/config.ts";
import { startServer } from "../../src/container.ts";
import { testDatabase, testDb } from "../helpers/test-server.ts";

const MAIN = join(import.meta.dirname, "..", "..", "src", "main.ts");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "obr-start-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function obr(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, OBR_LOG_LEVEL: "warn", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => (out += String(d)));
  child.stderr?.on("data", (d) => (err += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** The exit code of a start that must fail; a process still running after `ms` is killed (and fails the test). */
async function exitCode(run: Run, ms = 20_000): Promise<number | null | "still running"> {
  const timer = sleep(ms).then(() => "still running" as const);
  const code = await Promise.race([run.exited, timer]);
  if (code === "still running") await stop(run);
  return code;
}

async function stop(run: Run): Promise<void> {
  if (run.child.exitCode === null) run.child.kill("SIGTERM");
  await run.exited;
}

// The demo lab (the first start's longest step, several seconds) makes the window before ready
// wide enough to observe every time. Readiness does not depend on the database: SQLite only.
describe.skipIf(testDb === "postgres")("readiness", () => {
  test("/health answers 503 starting until credentials.json, the demo inventory and the banner are there, then 200", async () => {
    const port = await freePort();
    const dataDir = join(dir, "ready");
    const run = obr(["serve", "--data-dir", dataDir], { OBR_LISTEN: `127.0.0.1:${port}`, OBR_DEMO: "1" });
    const seen: string[] = [];
    try {
      for (const deadline = Date.now() + 50_000; ; ) {
        if (Date.now() > deadline) throw new Error(`not ready in time; seen ${seen.join(" ")}; ${run.stderr()}`);
        const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
        if (res === undefined) {
          await sleep(20);
          continue;
        }
        const body = (await res.json()) as { status: string };
        if (res.status === 200) {
          expect(body.status).toBe("ok");
          break;
        }
        expect([res.status, body.status]).toEqual([503, "starting"]);
        seen.push("starting");
        await sleep(20);
      }
      expect(seen.length).toBeGreaterThan(0);
      // The moment /health says ok, a script may rely on all of this.
      expect(run.stdout()).toContain("Embedded data orchestrator");
      const credentials = JSON.parse(await readFile(join(dataDir, "credentials.json"), "utf8")) as { clientId: string; clientSecret: string };
      const token = await fetch(`http://127.0.0.1:${port}/as/token.oauth2`, {
        method: "POST",
        body: new URLSearchParams({ grant_type: "client_credentials", client_id: credentials.clientId, client_secret: credentials.clientSecret }),
      });
      const { access_token } = (await token.json()) as { access_token: string };
      const managers = await fetch(`http://127.0.0.1:${port}/virtualization/v1beta1/hypervisor-managers`, { headers: { authorization: `Bearer ${access_token}` } });
      const list = (await managers.json()) as { items: { name: string; state: string }[] };
      expect(list.items.map((m) => [m.name, m.state])).toEqual([["demo", "OK"]]);
    } finally {
      await stop(run);
    }
  });
});

describe("a start that cannot succeed", () => {
  let busy: Server;
  let port: number;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const address = busy.address();
    port = typeof address === "object" && address ? address.port : 0;
  });
  afterAll(async () => {
    await new Promise((resolve) => busy.close(resolve));
  });

  test("a busy port: one line on stderr, exit code 1, and no data dir created", async () => {
    const dataDir = join(dir, "busy");
    const database = testDatabase(dataDir);
    const run = obr(["serve", "--data-dir", dataDir, "--database-url", database.url], { OBR_LISTEN: `127.0.0.1:${port}`, OBR_DEMO: "0" });
    try {
      expect(await exitCode(run)).toBe(1);
      expect(run.stderr()).toMatch(/^obr: cannot listen on 127\.0\.0\.1:\d+: the address is already in use [^\n]*\n$/);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      await database.drop();
    }
  });

  test("only one of OBR_TLS_CERT and OBR_TLS_KEY, or an unreadable one: one line, exit code 1", async () => {
    const dataDir = join(dir, "tls");
    const half = obr(["serve", "--data-dir", dataDir], { OBR_LISTEN: "127.0.0.1:0", OBR_TLS_CERT: join(dir, "cert.pem") });
    expect(await exitCode(half)).toBe(1);
    expect(half.stderr()).toMatch(/^obr: OBR_TLS_CERT and OBR_TLS_KEY go together[^\n]*\n$/);
    const missing = obr(["serve", "--data-dir", dataDir], { OBR_LISTEN: "127.0.0.1:0", OBR_TLS_CERT: join(dir, "nope.pem"), OBR_TLS_KEY: join(dir, "nope.key") });
    expect(await exitCode(missing)).toBe(1);
    expect(missing.stderr()).toMatch(/^obr: cannot read OBR_TLS_CERT [^\n]*nope\.pem: ENOENT\n$/);
    expect(existsSync(dataDir)).toBe(false);
  });
});

const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** GET or POST over HTTPS trusting only `ca`. */
function httpsCall(url: string, ca: Buffer, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? "GET", ca, headers: init.headers ?? {} }, (res) => {
      let body = "";
      res.on("data", (d) => (body += String(d)));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

describe.skipIf(!hasOpenssl)("HTTPS with OBR_TLS_CERT and OBR_TLS_KEY", () => {
  test("a self-signed certificate made here: health and tokens over HTTPS, plain HTTP refused", async () => {
    const cert = join(dir, "server-cert.pem");
    const key = join(dir, "server-key.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
    const ca = await readFile(cert);
    const dataDir = join(dir, "https");
    const database = testDatabase(dataDir);
    const config = loadConfig({ OBR_DATA_DIR: dataDir, OBR_DATABASE_URL: database.url, OBR_LISTEN: "127.0.0.1:0", OBR_DEMO: "0", OBR_TLS_CERT: cert, OBR_TLS_KEY: key });
    const server = await startServer(config, pino({ level: "silent" }));
    const admin = await server.services.clients.create({ name: "tls test", role: "admin" });
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const health = await httpsCall(`${server.url}/health`, ca);
      expect([health.status, JSON.parse(health.body).status]).toEqual([200, "ok"]);
      const token = await httpsCall(`${server.url}/as/token.oauth2`, ca, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "client_credentials", client_id: admin.clientId, client_secret: admin.clientSecret }).toString(),
      });
      expect(token.status).toBe(200);
      expect(JSON.parse(token.body).access_token).toBeTruthy();
      await expect(fetch(`${server.url.replace("https:", "http:")}/health`)).rejects.toThrow();
    } finally {
      await server.close();
      await database.drop();
    }
  });
});
