// The composition root: the one place that builds concrete classes and wires them together.
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { createApp } from "./api/app.ts";
import { registerAuthHook } from "./api/auth-hook.ts";
import { COLLECTIONS } from "./api/collections.ts";
import { registerCollection } from "./api/resource/register-collection.ts";
import { apiClientRoutes } from "./api/routes/api-client-routes.ts";
import { healthRoutes } from "./api/routes/health-routes.ts";
import { tokenRoutes } from "./api/routes/token-routes.ts";
import { AttemptLimiter } from "./auth/attempt-limiter.ts";
import { type SigningKey, loadOrCreateSigningKey } from "./auth/signing-key.ts";
import { TokenService } from "./auth/tokens.ts";
import type { Config } from "./config/config.ts";
import { type Database, openDatabase } from "./db/database.ts";
import { type CollectionTable, DocumentRepository, type StoredDocument } from "./db/document-repository.ts";
import { migrate } from "./db/migrate.ts";
import { JobQueue } from "./jobs/job-queue.ts";
import { Worker } from "./jobs/worker.ts";
import { ApiClientService } from "./services/api-clients.ts";
import { AsyncOperationService } from "./services/async-operations.ts";
import type { CollectionDefinition } from "./api/resource/collection-definition.ts";
import { VERSION } from "./version.ts";

/** Columns every document table has; the rest of a definition's `promoted` map are extras. */
const BASE_COLUMNS = new Set(["id", "customer_id", "generation", "created_at", "updated_at"]);

function valueAt(doc: StoredDocument, path: string): string | number | null {
  let v: unknown = doc;
  for (const key of path.split("/")) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
  return typeof v === "string" || typeof v === "number" ? v : null;
}

export function tableFor(def: CollectionDefinition): CollectionTable {
  const promoted: CollectionTable["promoted"] = {};
  for (const [column, path] of Object.entries(def.promoted)) {
    if (!BASE_COLUMNS.has(column)) promoted[column] = (doc) => valueAt(doc, path);
  }
  return { table: def.name.replaceAll("-", "_"), promoted };
}

export interface Services {
  config: Config;
  logger: Logger;
  database: Database;
  clients: ApiClientService;
  tokens: TokenService;
  signingKey: SigningKey;
  operations: AsyncOperationService;
  queue: JobQueue;
  worker: Worker;
  repositories: Map<string, DocumentRepository>;
}

export async function buildServices(config: Config, logger: Logger): Promise<Services> {
  const database = await openDatabase(config.databaseUrl);
  try {
    await migrate(database);
  } catch (err) {
    await database.close();
    throw err;
  }
  const repositories = new Map(COLLECTIONS.map(({ definition }) => [definition.name, new DocumentRepository(database, tableFor(definition))]));
  const operations = new AsyncOperationService(repositories.get("async-operations")!);
  const queue = new JobQueue(database);
  const signingKey = await loadOrCreateSigningKey(config.dataDir);
  return {
    config,
    logger,
    database,
    clients: new ApiClientService(database),
    tokens: new TokenService(signingKey, config.tokenTtlSeconds),
    signingKey,
    operations,
    queue,
    worker: new Worker(queue, operations, logger.child({ component: "worker" }), { concurrency: config.workerConcurrency }),
    repositories,
  };
}

export async function buildApp(services: Services): Promise<FastifyInstance> {
  const { app } = await createApp({ logger: services.logger, bodyLimitBytes: services.config.bodyLimitBytes, version: VERSION });
  registerAuthHook(app, services.tokens, services.clients);
  const { tokens, clients, signingKey } = services;
  await app.register(tokenRoutes, { tokens, clients, limiter: new AttemptLimiter(10), sourceLimiter: new AttemptLimiter(100), signingKey });
  await healthRoutes(app, services.database, VERSION);
  await apiClientRoutes(app, services.clients);
  for (const { definition, handlers } of COLLECTIONS) {
    registerCollection(app, definition, handlers(services.repositories.get(definition.name)!), services.database.dialect);
  }
  return app;
}

export interface RunningServer {
  app: FastifyInstance;
  services: Services;
  url: string;
  close(): Promise<void>;
}

/** Starts the API (and the embedded worker) and listens; close() stops all of it in order. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const services = await buildServices(config, logger);
  const app = await buildApp(services);
  await app.listen({ host: config.listenHost, port: config.listenPort });
  if (config.embeddedWorker) services.worker.start();
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.listenPort;
  const host = config.listenHost.includes(":") ? `[${config.listenHost}]` : config.listenHost;
  return {
    app,
    services,
    url: `http://${host}:${port}`,
    async close() {
      await app.close();
      await services.worker.stop();
      await services.database.close();
    },
  };
}
