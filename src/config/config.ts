// One typed configuration: defaults <- environment (OBR_*) <- command-line flags. Frozen once built.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { AppError } from "../domain/app-error.ts";
import { CRASH_POINTS } from "../platform/crash-points.ts";

export interface Config {
  readonly listenHost: string;
  readonly listenPort: number;
  readonly dataDir: string;
  /** sqlite:<path> or postgres://...; defaults to a SQLite file in the data dir. */
  readonly databaseUrl: string;
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  /** Lifetime of issued access tokens, seconds. */
  readonly tokenTtlSeconds: number;
  /** Largest accepted request body, bytes. */
  readonly bodyLimitBytes: number;
  readonly logLevel: string;
  /** Create the demo inventory on an empty data dir. */
  readonly demo: boolean;
  /** How many jobs one worker runs at once. */
  readonly workerConcurrency: number;
  /** A running job whose worker stops renewing its lease this long is recovered, seconds. */
  readonly jobLeaseSeconds: number;
  /** Run the job worker inside this process (the default single-process mode). */
  readonly embeddedWorker: boolean;
  /** Finished async operations are deleted this many days after they last changed. */
  readonly operationRetentionDays: number;
  /** A copy's disk materialised for file restore is removed once unused this long, minutes. */
  readonly flrIdleMinutes: number;
  /** How long a request (a browse, restore-files' checks) waits for a copy's disk to be materialised, seconds. */
  readonly flrWaitSeconds: number;
  /** Register the job types of the test suite (test.*): never in production. */
  readonly testJobs: boolean;
  /** An admin may read and move the installation's clock forward (/obr/v1/test-clock): for testing against obr only. */
  readonly testClock: boolean;
  /** Orchestrators report every this many seconds; three missed reports make one DISCONNECTED. */
  readonly orchestratorHeartbeatSeconds: number;
  /** GET /metrics needs `Authorization: Bearer <token>` when set. */
  readonly metricsToken: string | undefined;
  /** host:port of a separate listener serving only /metrics (then the API port does not serve it). */
  readonly metricsListen: { readonly host: string; readonly port: number } | undefined;
  /** Tests only: the crash point (platform/crash-points.ts) at which the process exits 137. */
  readonly crashPoint: string | undefined;
  /** PEM files (certificate chain, private key): serve HTTPS when both are set. */
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  /**
   * Behind a reverse proxy: false (the default: the client address is the connection's), true
   * (trust X-Forwarded-For from any peer) or the proxies' addresses/CIDRs, comma-separated.
   */
  readonly trustProxy: boolean | string;
  /** JSON file mapping storage locations (regions) to the S3 targets their cloud stores live in; unset: directories. */
  readonly s3TargetsFile: string | undefined;
  /** Where S3 stores' index blobs are kept on local disk between operations (src/store/index-disk-cache.ts); null: not kept. */
  readonly storeCacheDir: string | null;
  /** The built web console served at / (console/dist of the package by default). */
  readonly consoleDir: string;
}

export type ConfigOverrides = Partial<Record<keyof Config, string | number | boolean | undefined>>;

const DEFAULT_LISTEN = "127.0.0.1:7480";

function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value) ?? /^()()(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) throw AppError.badRequest(`OBR_LISTEN '${value}' is not host:port`);
  return { host: m[1] || m[2] || "127.0.0.1", port };
}

function parseBool(name: string, value: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw AppError.badRequest(`${name} '${value}' is not a boolean`);
}

function parseInteger(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw AppError.badRequest(`${name} '${value}' must be an integer in ${min}..${max}`);
  return n;
}

function parseCrashPoint(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!CRASH_POINTS.some((p) => p === value)) throw AppError.badRequest(`OBR_CRASH_POINT '${value}' is not one of ${CRASH_POINTS.join(", ")}`);
  return value;
}

function parseTrustProxy(value: string): boolean | string {
  if (/^(1|true|yes|on|0|false|no|off)$/i.test(value)) return parseBool("OBR_TRUST_PROXY", value);
  if (!/^[0-9A-Fa-f.:/]+(?:\s*,\s*[0-9A-Fa-f.:/]+)*$/.test(value)) throw AppError.badRequest(`OBR_TRUST_PROXY '${value}' is not a boolean or a list of addresses`);
  return value;
}

/** OBR_STORE_CACHE_DIR's meaning: a directory, "off" (null: none), unset: `<base>/cache/stores`. */
export function storeCacheDir(value: string | undefined, base: string): string | null {
  return value === "off" ? null : resolve(value ?? resolve(base, "cache", "stores"));
}

/** Builds the configuration from an environment (normally process.env, read only by main.ts) and flag overrides. */
export function loadConfig(env: Record<string, string | undefined>, flags: ConfigOverrides = {}): Config {
  const pick = (key: keyof Config, envName: string): string | undefined => {
    const flag = flags[key];
    if (flag !== undefined) return String(flag);
    const value = env[envName];
    return value === undefined || value === "" ? undefined : value;
  };
  const listen = parseListen(pick("listenHost", "OBR_LISTEN") ?? DEFAULT_LISTEN);
  const dataDir = resolve(pick("dataDir", "OBR_DATA_DIR") ?? "./obr-data");
  const tlsCert = pick("tlsCert", "OBR_TLS_CERT");
  const tlsKey = pick("tlsKey", "OBR_TLS_KEY");
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw AppError.badRequest("OBR_TLS_CERT and OBR_TLS_KEY go together: set both to serve HTTPS, or neither");
  return Object.freeze({
    listenHost: listen.host,
    listenPort: listen.port,
    dataDir,
    databaseUrl: pick("databaseUrl", "OBR_DATABASE_URL") ?? `sqlite:${resolve(dataDir, "obr.sqlite")}`,
    clientId: pick("clientId", "OBR_CLIENT_ID"),
    clientSecret: pick("clientSecret", "OBR_CLIENT_SECRET"),
    tokenTtlSeconds: parseInteger("OBR_TOKEN_TTL", pick("tokenTtlSeconds", "OBR_TOKEN_TTL") ?? "7200", 60, 86400),
    bodyLimitBytes: parseInteger("OBR_BODY_LIMIT", pick("bodyLimitBytes", "OBR_BODY_LIMIT") ?? String(1024 * 1024), 1024, 64 * 1024 * 1024),
    logLevel: pick("logLevel", "OBR_LOG_LEVEL") ?? "info",
    demo: parseBool("OBR_DEMO", pick("demo", "OBR_DEMO") ?? "1"),
    workerConcurrency: parseInteger("OBR_WORKER_CONCURRENCY", pick("workerConcurrency", "OBR_WORKER_CONCURRENCY") ?? "4", 1, 64),
    jobLeaseSeconds: parseInteger("OBR_JOB_LEASE_SECONDS", pick("jobLeaseSeconds", "OBR_JOB_LEASE_SECONDS") ?? "30", 1, 3600),
    embeddedWorker: parseBool("OBR_EMBEDDED_WORKER", pick("embeddedWorker", "OBR_EMBEDDED_WORKER") ?? "1"),
    operationRetentionDays: parseInteger(
      "OBR_OPERATION_RETENTION_DAYS",
      pick("operationRetentionDays", "OBR_OPERATION_RETENTION_DAYS") ?? "90",
      1,
      36500,
    ),
    flrIdleMinutes: parseInteger("OBR_FLR_IDLE_MINUTES", pick("flrIdleMinutes", "OBR_FLR_IDLE_MINUTES") ?? "15", 1, 10080),
    flrWaitSeconds: parseInteger("OBR_FLR_WAIT_SECONDS", pick("flrWaitSeconds", "OBR_FLR_WAIT_SECONDS") ?? "20", 0, 600),
    testJobs: parseBool("OBR_TEST_JOBS", pick("testJobs", "OBR_TEST_JOBS") ?? "0"),
    testClock: parseBool("OBR_TEST_CLOCK", pick("testClock", "OBR_TEST_CLOCK") ?? "0"),
    crashPoint: parseCrashPoint(pick("crashPoint", "OBR_CRASH_POINT")),
    tlsCert: tlsCert === undefined ? undefined : resolve(tlsCert),
    tlsKey: tlsKey === undefined ? undefined : resolve(tlsKey),
    trustProxy: parseTrustProxy(pick("trustProxy", "OBR_TRUST_PROXY") ?? "0"),
    orchestratorHeartbeatSeconds: parseInteger(
      "OBR_ORCHESTRATOR_HEARTBEAT_SECONDS",
      pick("orchestratorHeartbeatSeconds", "OBR_ORCHESTRATOR_HEARTBEAT_SECONDS") ?? "10",
      1,
      3600,
    ),
    metricsToken: pick("metricsToken", "OBR_METRICS_TOKEN"),
    s3TargetsFile: ((v) => (v === undefined ? undefined : resolve(v)))(pick("s3TargetsFile", "OBR_S3_TARGETS")),
    storeCacheDir: storeCacheDir(pick("storeCacheDir", "OBR_STORE_CACHE_DIR"), dataDir),
    consoleDir: resolve(pick("consoleDir", "OBR_CONSOLE_DIR") ?? fileURLToPath(new URL("../../console/dist", import.meta.url))),
    metricsListen: ((v) => (v === undefined ? undefined : parseListen(v)))(pick("metricsListen", "OBR_METRICS_LISTEN")),
  });
}
