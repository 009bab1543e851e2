// Starts a real obr server on a free port for integration tests, on the database the vitest
// project names (OBR_TEST_DB): a SQLite file in a temp dir, or a fresh PostgreSQL schema.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import pino from "pino";
import { Writable } from "node:stream";
import type { Role } from "../../src/auth/tokens.ts";
import { loadConfig } from "../../src/config/config.ts";
import { type RunningServer, startServer } from "../../src/container.ts";
import type { Clock } from "../../src/domain/clock.ts";
import { type Database, openDatabase } from "../../src/db/database.ts";

export const PG_URL = process.env.OBR_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const testDb = (process.env.OBR_TEST_DB ?? "sqlite") as "sqlite" | "postgres";

export interface TestClient {
  clientId: string;
  clientSecret: string;
  workspaceId: string;
  token: string;
}

export interface TestServer extends RunningServer {
  dataDir: string;
  /** Every log line the server wrote, parsed. */
  logs: Record<string, unknown>[];
  admin: TestClient;
  /** Creates a client (new workspace unless given) and fetches its token over HTTP. */
  client(role: Role, workspaceId?: string): Promise<TestClient>;
  /** fetch() against the server with the admin token unless headers say otherwise. */
  api(path: string, init?: RequestInit & { token?: string | null; json?: unknown }): Promise<Response>;
  stop(): Promise<void>;
}

/** A fresh database for one test server (or several processes sharing one): URL and clean-up. */
export function testDatabase(dataDir: string): { url: string; drop(): Promise<void> } {
  if (testDb !== "postgres") return { url: `sqlite:${join(dataDir, "obr.sqlite")}`, drop: async () => {} };
  const schema = `obr_it_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  return {
    url: `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}schema=${schema}`,
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema if exists "${schema}" cascade`);
      await c.end();
    },
  };
}

/**
 * A database of its own, opened but not migrated, for tests of the schema itself (migrations):
 * call `database()` in a test, `close()` in afterAll.
 */
export function scratchDatabase(prefix: string): { database(): Database; open(): Promise<void>; close(): Promise<void> } {
  let dataDir: string | undefined;
  let target: { url: string; drop(): Promise<void> } | undefined;
  let db: Database | undefined;
  return {
    database: () => {
      if (!db) throw new Error("scratchDatabase: open() it first (beforeAll)");
      return db;
    },
    async open() {
      dataDir = await mkdtemp(join(tmpdir(), prefix));
      target = testDatabase(dataDir);
      db = await openDatabase(target.url);
    },
    async close() {
      await db?.close();
      await target?.drop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** `clock`: the server's one clock (default the system's), for tests that move time. */
export async function startTestServer(env: Record<string, string> = {}, options: { clock?: Clock } = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "obr-it-"));
  const database = testDatabase(dataDir);
  const databaseUrl = database.url;
  const config = loadConfig({ OBR_DATA_DIR: dataDir, OBR_DATABASE_URL: databaseUrl, OBR_LISTEN: "127.0.0.1:0", OBR_DEMO: "0", ...env });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n")) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const server = await startServer(config, pino({ level: "info" }, sink), options.clock ? { clock: options.clock } : {});

  const token = async (clientId: string, clientSecret: string) => {
    const r = await fetch(`${server.url}/as/token.oauth2`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret }),
    });
    if (r.status !== 200) throw new Error(`token request failed: ${r.status} ${await r.text()}`);
    return ((await r.json()) as { access_token: string }).access_token;
  };
  const client = async (role: Role, workspaceId?: string): Promise<TestClient> => {
    const c = await server.services.clients.create({ name: `test ${role}`, role, ...(workspaceId ? { workspaceId } : {}) });
    return { clientId: c.clientId, clientSecret: c.clientSecret, workspaceId: c.workspaceId, token: await token(c.clientId, c.clientSecret) };
  };
  const admin = await client("admin");

  return {
    ...server,
    dataDir,
    logs,
    admin,
    client,
    api(path, init = {}) {
      const { token: tok, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      const bearer = tok === undefined ? admin.token : tok;
      if (bearer !== null && !headers.has("authorization")) headers.set("authorization", `Bearer ${bearer}`);
      if (json !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
      return fetch(`${server.url}${path}`, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
    },
    async stop() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
      await database.drop();
    },
  };
}
