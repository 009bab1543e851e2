// The composition root: the one place that builds concrete classes and wires them together.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyInstance, FastifyServerFactory } from "fastify";
import type { Logger } from "pino";
import { createApp } from "./api/app.ts";
import { StartupError, type RequestHandler, listen } from "./api/listener.ts";
import { registerAuthHook } from "./api/auth-hook.ts";
import { COLLECTIONS } from "./api/collections.ts";
import { registerCollection } from "./api/resource/register-collection.ts";
import { apiClientRoutes } from "./api/routes/api-client-routes.ts";
import { consoleRoutes } from "./api/routes/console-routes.ts";
import { type Readiness, healthRoutes } from "./api/routes/health-routes.ts";
import { storageLocationRoutes } from "./api/routes/storage-location-routes.ts";
import { tokenRoutes } from "./api/routes/token-routes.ts";
import { AttemptLimiter } from "./auth/attempt-limiter.ts";
import { type SigningKey, loadOrCreateSigningKey } from "./auth/signing-key.ts";
import { TokenService } from "./auth/tokens.ts";
import type { Config } from "./config/config.ts";
import { loadS3Targets } from "./config/s3-targets.ts";
import { offeredLocations } from "./domain/storage-locations.ts";
import type { Actor } from "./domain/actor.ts";
import { type Clock, TestClock, systemClock } from "./domain/clock.ts";
import { type DemoLabSummary, createDemoLab } from "./connectors/lab/demo-lab.ts";
import { type ConnectorRegistry, createConnectorRegistry } from "./connectors/registry.ts";
import { type Database, openDatabase } from "./db/database.ts";
import { type CollectionTable, DocumentRepository } from "./db/document-repository.ts";
import { migrate } from "./db/migrate.ts";
import { registerPrivatePath } from "./domain/private-paths.ts";
import { nameKey } from "./domain/unique-name.ts";
import { loadOrCreateSecretBox } from "./auth/secret-box.ts";
import { tcpProbe } from "./connectors/tcp-probe.ts";
import { SecretTable } from "./db/storage-system-secrets.ts";
import { gatewayJobs } from "./jobs/gateway-jobs.ts";
import { checkStorage } from "./db/storage-check.ts";
import { inventoryJobs } from "./jobs/inventory-jobs.ts";
import { storeOnceJobs } from "./jobs/storeonce-jobs.ts";
import { JobQueue } from "./jobs/job-queue.ts";
import { JobWrites } from "./jobs/job-writes.ts";
import { createTestJobTables, testJobs } from "./jobs/test-jobs.ts";
import { Worker } from "./jobs/worker.ts";
import { ApiClientService, type NewApiClient } from "./services/api-clients.ts";
import { SqlApiClientRepository } from "./db/api-client-repository.ts";
import { SqlOrchestratorRecords } from "./db/orchestrator-records.ts";
import { AsyncOperationService } from "./services/async-operations.ts";
import { crashPointsAt } from "./platform/crash-points.ts";
import type { GatewayContext } from "./services/infrastructure/gateway-context.ts";
import { gatewayUseCases } from "./services/infrastructure/gateway-use-cases.ts";
import { storageSystemDirectory } from "./services/infrastructure/storage-system-directory.ts";
import type { StoreOnceContext } from "./services/infrastructure/storeonce-work.ts";
import { storeOnceUseCases } from "./services/infrastructure/storeonces.ts";
import { StoresOnSystemSlot } from "./services/infrastructure/stores-on-system.ts";
import { DataOrchestrators } from "./services/inventory/data-orchestrators.ts";
import { dataOrchestratorUseCases } from "./services/infrastructure/data-orchestrator-use-cases.ts";
import { type OrchestratorFacts, processFacts } from "./services/infrastructure/orchestrator-facts.ts";
import { OrchestratorHeartbeats } from "./services/infrastructure/orchestrator-heartbeats.ts";
import { OrchestratorPairing } from "./services/infrastructure/orchestrator-pairing.ts";
import { SupportBundles } from "./services/infrastructure/support-bundles.ts";
import { orchestratorJobs } from "./jobs/orchestrator-jobs.ts";
import { OrchestratorMonitor } from "./jobs/orchestrator-monitor.ts";
import { RemoteJobBroker } from "./jobs/remote-job-broker.ts";
import { orchestratorRoutes } from "./api/routes/orchestrator-routes.ts";
import { metricsRoutes, startMetricsListener } from "./api/routes/metrics-routes.ts";
import { Metrics } from "./services/metrics.ts";
import { datastoreUseCases } from "./services/inventory/datastore-actions.ts";
import { type DemoInventory, registerDemoInventory } from "./services/inventory/demo-inventory.ts";
import { hypervisorManagerUseCases } from "./services/inventory/hypervisor-manager-registration.ts";
import type { InventoryContext } from "./services/inventory/inventory-context.ts";
import { InventoryStore } from "./services/inventory/inventory-store.ts";
import { virtualMachineUseCases } from "./services/inventory/virtual-machine-actions.ts";
import { KeyedMutex } from "./services/keyed-mutex.ts";
import { protectionPolicyUseCases } from "./services/protection-policies.ts";
import { SqlProtectionSchedules } from "./db/protection-schedules.ts";
import { protectionJobJobs } from "./jobs/protection-job-jobs.ts";
import { applyPolicy, recordRunEnd } from "./services/protection/protection-job-changes.ts";
import type { ProtectionJobContext } from "./services/protection/protection-job-context.ts";
import { protectionJobUseCases } from "./services/protection/protection-jobs.ts";
import { ProtectionScheduler } from "./services/protection/scheduler.ts";
import { type DemoProtection, createDemoProtection } from "./services/protection/demo-protection.ts";
import { testClockRoutes } from "./api/routes/test-clock-routes.ts";
import { StoreCopies } from "./services/infrastructure/copies-of-store.ts";
import { CopyTables } from "./db/copy-index.ts";
import { type CopiesContext, copyRecords } from "./services/protection/copies.ts";
import type { CopyRecords } from "./services/protection/copy-records.ts";
import { copyUseCases } from "./services/protection/copy-use-cases.ts";
import { copyData } from "./services/protection/copy-data.ts";
import { copyJobs } from "./jobs/copy-jobs.ts";
import { protectionRunJobs } from "./jobs/protection-run-jobs.ts";
import type { ProtectionContext } from "./services/protection/run-context.ts";
import { type DataPlane, localDataPlane } from "./services/protection/data-plane.ts";
import { restoreUseCases } from "./services/protection/restore.ts";
import { backupVerifyUseCases } from "./services/protection/backup-verify.ts";
import { backupVerifyRoutes } from "./api/routes/backup-verify-routes.ts";
import { copyFilesRoutes } from "./api/routes/copy-files-routes.ts";
import { copyFilesUseCases } from "./services/protection/copy-files.ts";
import { Ext4Files } from "./connectors/guest-files/ext4-files.ts";
import { LocalCopyImageCache } from "./connectors/guest-files/copy-image-cache.ts";
import { CopyExpiry } from "./jobs/copy-expiry.ts";
import type { ProtectionStoreContext } from "./services/infrastructure/protection-store-state.ts";
import { protectionStoreUseCases } from "./services/infrastructure/protection-stores.ts";
import { StorageSystemSources } from "./services/infrastructure/storage-system-sources.ts";
import { type DemoStores, createDemoStores } from "./services/infrastructure/demo-stores.ts";
import { StoreRegistry } from "./services/infrastructure/store-registry.ts";
import { protectionStoreStats } from "./db/protection-store-stats.ts";
import { protectionStoreJobs } from "./jobs/protection-store-jobs.ts";
import { ProtectionStoreFactory } from "./store/chunk-store-factory.ts";
import { prefaultSharedSlots } from "./store/index.ts";
import { FileKeyVault } from "./store/key-vault.ts";
import type { ProtectionStore } from "./store/protection-store.ts";
import type { UseCases } from "./services/use-cases.ts";
import type { CollectionDefinition } from "./api/resource/collection-definition.ts";
import { promotedReaders } from "./api/query/promoted.ts";
import { VERSION } from "./version.ts";

/** Columns every document table has, written by the repository; the rest of `promoted` are extras. */
const BASE_COLUMNS = new Set(["id", "customer_id", "generation", "created_at", "updated_at"]);

/** How often the expiry worker looks for expired copies (a DELETE or a moved test clock wakes it sooner). */
const EXPIRY_INTERVAL_MS = 60_000;

/** Collections whose names are unique per workspace, trimmed and case-insensitively (migration 007). */
const UNIQUE_NAMES = new Set(["protection-policies", "hypervisor-managers"]);

/** A definition's storage; `referencedBy` is filled in by tablesFor(), which sees every definition. */
export function tableFor(def: CollectionDefinition): CollectionTable {
  const promoted: CollectionTable["promoted"] = {};
  for (const [column, read] of Object.entries(promotedReaders(def.schema, def.promoted))) {
    if (!BASE_COLUMNS.has(column)) promoted[column] = read;
  }
  if (UNIQUE_NAMES.has(def.name)) promoted.name_key = (doc) => (typeof doc.name === "string" ? nameKey(doc.name) : null);
  for (const column of Object.keys(def.references ?? {})) {
    if (!(column in promoted)) throw new Error(`${def.name}: reference column ${column} is not promoted`);
  }
  return { table: def.table, promoted, discriminator: def.discriminator, references: def.references, scopeColumn: def.parent?.column };
}

/** Storage of every definition, each table told which reference columns name its rows. */
export function tablesFor(defs: readonly CollectionDefinition[]): Map<CollectionDefinition, CollectionTable> {
  const tables = new Map(defs.map((def) => [def, tableFor(def)]));
  for (const def of defs) {
    for (const [column, ref] of Object.entries(def.references ?? {})) {
      for (const target of tables.values()) {
        if (target.table === ref.table) target.referencedBy = [...(target.referencedBy ?? []), { table: def.table, column, relation: def.name.replaceAll("-", " ") }];
      }
    }
  }
  return tables;
}

/**
 * Refuses to start when storage lacks what the definitions need, and says which promoted columns
 * no index leads with customer_id for (fine for small collections: filters scan the workspace's rows).
 */
async function checkDefinitions(database: Database, tables: Iterable<CollectionTable>, logger: Logger): Promise<void> {
  const { unindexed } = await checkStorage(database, [...tables]);
  if (unindexed.length > 0) logger.info({ unindexed }, `promoted columns without an index leading with customer_id: ${unindexed.join(", ")}`);
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
  jobWrites: JobWrites;
  worker: Worker;
  repositories: Map<string, DocumentRepository>;
  connectors: ConnectorRegistry;
  inventory: InventoryContext;
  /** Whether protection stores live on a gateway or StoreOnce (deletes are refused while they do). */
  storesOnSystem: StoresOnSystemSlot;
  /** Where protection stores find their hosts: the gateways and StoreOnce appliances (tests add more). */
  storageSystems: StorageSystemSources;
  /** Where a store's delete counts its copies: copy collections add themselves. */
  storeCopies: StoreCopies;
  /** The copies the protection run reports and the copies collections list. */
  copies: CopyRecords;
  /** Queues the deletes of expired, unlocked copies (wake() after the clock moved). */
  expiry: CopyExpiry;
  /** Copies' disks materialised for browsing and file restore. */
  copyImages: LocalCopyImageCache;
  /** Every chunk store this process has open. */
  storeRegistry: StoreRegistry<ProtectionStore>;
  /** What the protection-store use cases and jobs share (the demo store is made through it). */
  stores: ProtectionStoreContext;
  useCases: UseCases;
  /** /health answers 503 `starting` until this is ready. */
  readiness: Readiness;
  /** The embedded orchestrator's facts: this process's. */
  facts(): OrchestratorFacts;
  heartbeats: OrchestratorHeartbeats;
  pairing: OrchestratorPairing;
  broker: RemoteJobBroker;
  bundles: SupportBundles;
  monitor: OrchestratorMonitor;
  /** Prometheus metrics; store services add their statistics with metrics.registerStoreStats(). */
  metrics: Metrics;
  /** The control plane's clock; with OBR_TEST_CLOCK it is `testClock`, which an admin moves forward. */
  clock: Clock;
  testClock: TestClock | undefined;
  /** What the protection-job use cases, jobs and scheduler share (the protection run uses it too). */
  protection: ProtectionJobContext;
  /** Fires protection schedules; started with the server. */
  scheduler: ProtectionScheduler;
}

/** `clock`: the control plane's one clock (time stamps, due times, leases, retention, heartbeats). */
export async function buildServices(config: Config, logger: Logger, clock: Clock = config.testClock ? new TestClock() : systemClock): Promise<Services> {
  registerPrivatePath(config.dataDir);
  prefaultSharedSlots(); // a service: the store workers' slots are faulted in when they start
  const testClock = clock instanceof TestClock ? clock : undefined;
  const database = await openDatabase(config.databaseUrl);
  try {
    await migrate(database);
  } catch (err) {
    await database.close();
    throw err;
  }
  const tables = tablesFor(COLLECTIONS.map((c) => c.definition));
  try {
    await checkDefinitions(database, tables.values(), logger);
  } catch (err) {
    await database.close();
    throw err;
  }
  // Under the test clock the job queue keeps real time (its operations' timestamps, due times and
  // leases): moving the clock must neither orphan a running job nor hold a queued one back.
  const queueClock = testClock ? systemClock : clock;
  const clockOf = (name: string) => (name === "async-operations" ? queueClock : clock);
  const repositories = new Map(COLLECTIONS.map(({ definition }) => [definition.name, new DocumentRepository(database, tables.get(definition)!, clockOf(definition.name))]));
  const crashPoints = crashPointsAt(config.crashPoint, (code) => process.exit(code));
  const operations = new AsyncOperationService(repositories.get("async-operations")!, crashPoints);
  const queue = new JobQueue(database, queueClock);
  const jobWrites = new JobWrites(database, operations, crashPoints);
  const signingKey = await loadOrCreateSigningKey(config.dataDir);
  const worker = new Worker(queue, jobWrites, operations, logger.child({ component: "worker" }), {
    concurrency: config.workerConcurrency,
    leaseMs: config.jobLeaseSeconds * 1000,
    retentionMs: config.operationRetentionDays * 86_400_000,
  });
  const labRoot = join(config.dataDir, "lab");
  const connectors = createConnectorRegistry({ labRoot, crashPoints });
  const startedAt = Date.now();
  const facts = () => processFacts(VERSION, startedAt);
  const orchestratorRepository = repositories.get("data-orchestrators")!;
  const dataOrchestrators = new DataOrchestrators(orchestratorRepository, facts);
  const orchestratorRecords = new SqlOrchestratorRecords(database);
  const heartbeats = new OrchestratorHeartbeats(orchestratorRecords, orchestratorRepository, 3 * config.orchestratorHeartbeatSeconds * 1000);
  const pairing = new OrchestratorPairing(orchestratorRecords, orchestratorRepository);
  const bundles = new SupportBundles(config.dataDir);
  const broker = new RemoteJobBroker(queue, jobWrites, bundles, config.jobLeaseSeconds * 1000, worker);
  const monitor = new OrchestratorMonitor(heartbeats, worker, logger.child({ component: "orchestrators" }), {
    intervalMs: config.orchestratorHeartbeatSeconds * 1000,
    embeddedWorker: config.embeddedWorker,
    facts,
  });
  for (const handler of orchestratorJobs({ orchestrators: dataOrchestrators, pairing, bundles, operations, config, facts })) worker.register(handler);
  const inventory: InventoryContext = {
    store: new InventoryStore(repositories),
    connectors,
    operations,
    dataOrchestrators,
    syncLock: new KeyedMutex(),
    wake: () => worker.wake(),
  };
  for (const handler of inventoryJobs(inventory)) worker.register(handler);
  const secrets = new SecretTable(database);
  const sealer = await loadOrCreateSecretBox(config.dataDir);
  // The protection-store use cases plug their answer in (`storesOnSystem.use`); until then no system holds stores.
  const storesOnSystem = new StoresOnSystemSlot();
  const gatewayContext: GatewayContext = {
    gateways: repositories.get("protection-store-gateways")!,
    inventory,
    stores: storesOnSystem,
    secrets,
    sealer,
    probe: tcpProbe,
    dataDir: config.dataDir,
    softwareVersion: VERSION,
  };
  const storeOnceContext: StoreOnceContext = { storeonces: repositories.get("storeonces")!, secrets, storeOnceRoot: join(config.dataDir, "storeonce") };
  for (const handler of [...gatewayJobs(gatewayContext), ...storeOnceJobs(storeOnceContext)]) worker.register(handler);
  const storageSystems = new StorageSystemSources();
  storageSystems.add(storageSystemDirectory(gatewayContext, storeOnceContext));
  const storeCopies = new StoreCopies();
  const storeRegistry = new StoreRegistry(new ProtectionStoreFactory(config.storeCacheDir ? { cacheDir: config.storeCacheDir } : {}));
  const s3 = config.s3TargetsFile === undefined ? undefined : await loadS3Targets(config.s3TargetsFile);
  if (s3?.warning) logger.warn(s3.warning);
  const s3Targets = s3?.targets ?? new Map();
  const stores: ProtectionStoreContext = {
    repository: repositories.get("protection-stores")!,
    operations,
    storageSystems,
    registry: storeRegistry,
    keys: new FileKeyVault(join(config.dataDir, "keys")),
    copies: storeCopies,
    cloudRoot: join(config.dataDir, "cloud"),
    locations: offeredLocations(s3Targets),
    s3Targets,
    wake: () => worker.wake(),
  };
  for (const handler of protectionStoreJobs(stores)) worker.register(handler);
  const protectionStores = protectionStoreUseCases(stores);
  let scheduler: ProtectionScheduler | undefined;
  const protection: ProtectionJobContext = {
    jobs: repositories.get("protection-jobs")!,
    policies: repositories.get("protection-policies")!,
    virtualMachines: repositories.get("virtual-machines")!,
    hypervisorManagers: repositories.get("hypervisor-managers")!,
    dataOrchestrators,
    schedules: new SqlProtectionSchedules(database),
    operations,
    clock,
    wake: () => worker.wake(),
    schedulesChanged: () => scheduler?.wake(),
  };
  scheduler = new ProtectionScheduler(protection, logger.child({ component: "scheduler" }));
  for (const handler of protectionJobJobs(protection)) worker.register(handler);
  storesOnSystem.use({ count: (workspaceId, systemId, uow) => protectionStores.countOnSystem(workspaceId, systemId, uow) });
  const copiesContext: CopiesContext = {
    snapshots: repositories.get("virtual-machine-snapshots")!,
    backups: repositories.get("virtual-machine-backups")!,
    vms: repositories.get("virtual-machines")!,
    stores: repositories.get("protection-stores")!,
    index: new CopyTables(database, "virtual-machine"),
    operations,
    clock,
    wake: () => worker.wake(),
  };
  const copies = copyRecords(copiesContext);
  const copyUses = copyUseCases(copiesContext);
  const expiry = new CopyExpiry(copiesContext.index, copyUses, clock, logger.child({ component: "copy-expiry" }), EXPIRY_INTERVAL_MS);
  storeCopies.add(copies);
  const copyImages = new LocalCopyImageCache(join(config.dataDir, "flr"), config.flrIdleMinutes * 60_000, config.flrWaitSeconds * 1000);
  const copyContext = { ...copiesContext, data: copyData(inventory, stores, copyImages), refreshStore: (customerId: string, storeId: string) => protectionStores.refreshStats(customerId, storeId) };
  for (const handler of copyJobs(copyContext)) worker.register(handler);
  const protectionRuns: ProtectionContext = {
    inventory,
    stores,
    copies,
    policies: repositories.get("protection-policies")!,
    clock,
    guestFiles: new Ext4Files(),
    copyImages,
    crash: crashPoints,
    dataPlane: localDataPlane(connectors, stores.registry, crashPoints, `embedded data orchestrator, process ${process.pid}`),
    runEnded: (run) =>
      protection.jobs.transaction((uow) => recordRunEnd(protection, run.customerId, run.protectionJobId, run.operationId, run.succeeded, run.succeeded ? undefined : run.reason, uow)),
  };
  for (const handler of protectionRunJobs(protectionRuns)) worker.register(handler);
  const useCases: UseCases = {
    protectionPolicies: protectionPolicyUseCases(repositories.get("protection-policies")!, protectionStores, (policy, uow) => applyPolicy(protection, policy.customerId, policy.id, uow)),
    hypervisorManagers: hypervisorManagerUseCases(inventory),
    virtualMachines: virtualMachineUseCases(inventory),
    datastores: datastoreUseCases(inventory),
    dataOrchestrators: dataOrchestratorUseCases({ records: orchestratorRecords, orchestrators: dataOrchestrators, pairing, operations, wake: () => worker.wake() }),
    protectionStoreGateways: gatewayUseCases(gatewayContext),
    storeOnces: storeOnceUseCases({ ...storeOnceContext, inventory, sealer, stores: storesOnSystem, softwareVersion: VERSION }),
    storageSystems,
    protectionStores,
    copies: copyUses,
    restores: restoreUseCases(protectionRuns),
    backupVerify: backupVerifyUseCases(protectionRuns),
    copyFiles: copyFilesUseCases(protectionRuns),
    protectionJobs: protectionJobUseCases(protection),
  };
  const metrics = new Metrics(() => queue.counts(), () => heartbeats.ages());
  metrics.registerStoreStats(protectionStoreStats(database));
  if (config.testJobs) {
    await createTestJobTables(database.db);
    for (const handler of testJobs(worker.id)) worker.register(handler);
  }
  return {
    config,
    logger,
    database,
    clients: new ApiClientService(new SqlApiClientRepository(database)),
    tokens: new TokenService(signingKey, config.tokenTtlSeconds),
    signingKey,
    operations,
    queue,
    jobWrites,
    worker,
    repositories,
    connectors,
    inventory,
    storesOnSystem,
    storageSystems,
    storeCopies,
    copies,
    expiry,
    copyImages,
    storeRegistry,
    stores,
    useCases,
    readiness: { ready: false },
    facts,
    heartbeats,
    pairing,
    broker,
    bundles,
    monitor,
    metrics,
    clock,
    testClock,
    protection,
    scheduler,
  };
}

export async function buildApp(services: Services, serverFactory?: FastifyServerFactory): Promise<FastifyInstance> {
  const options = { logger: services.logger, bodyLimitBytes: services.config.bodyLimitBytes, version: VERSION, trustProxy: services.config.trustProxy };
  const { app } = await createApp({ ...options, ...(serverFactory ? { serverFactory } : {}) });
  registerAuthHook(app, services.tokens, services.clients);
  metricsRoutes(app, services.metrics, { token: services.config.metricsToken, listen: services.config.metricsListen });
  const { tokens, clients, signingKey } = services;
  await app.register(tokenRoutes, { tokens, clients, limiter: new AttemptLimiter(10), sourceLimiter: new AttemptLimiter(100), signingKey });
  await healthRoutes(app, services.database, VERSION, services.readiness);
  await apiClientRoutes(app, services.clients);
  const { pairing, heartbeats, broker, bundles } = services;
  await orchestratorRoutes(app, { pairing, heartbeats, broker, bundles, orchestrators: services.inventory.dataOrchestrators });
  await storageLocationRoutes(app, services.stores.locations);
  await backupVerifyRoutes(app, services.useCases.backupVerify);
  await copyFilesRoutes(app, services.useCases.copyFiles);
  if (services.testClock) await testClockRoutes(app, services.testClock);
  await consoleRoutes(app, services.config.consoleDir);
  const context = { dialect: services.database.dialect, repositories: services.repositories };
  for (const { definition, handlers } of COLLECTIONS) registerCollection(app, definition, handlers(services.useCases), context);
  return app;
}

export interface RunningServer {
  app: FastifyInstance;
  services: Services;
  url: string;
  /** The separate metrics listener's URL (OBR_METRICS_LISTEN), if any. */
  metricsUrl: string | undefined;
  /** Start-up work is done: /health answers 200 from now on. */
  markReady(): void;
  close(): Promise<void>;
}

async function readTls(config: Config): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined;
  const read = (name: string, path: string) =>
    readFile(path).catch((err: NodeJS.ErrnoException) => {
      throw new StartupError(`cannot read ${name} ${path}: ${err.code ?? err.message}`);
    });
  return { cert: await read("OBR_TLS_CERT", config.tlsCert), key: await read("OBR_TLS_KEY", config.tlsKey) };
}

/**
 * Binds the port first (a busy port fails before the data dir is touched; until the app takes
 * over, the port answers 503 `starting`), then opens the database and builds the API and the
 * embedded worker. close() stops all of it in order. With `deferReady`, /health stays 503
 * `starting` until markReady() (`obr serve` calls it after its first-start work).
 */
export async function startServer(config: Config, logger: Logger, options: { deferReady?: boolean; clock?: Clock } = {}): Promise<RunningServer> {
  const listener = await listen({ host: config.listenHost, port: config.listenPort, tls: await readTls(config), version: VERSION });
  let services: Services | undefined;
  let app: FastifyInstance | undefined;
  try {
    services = await buildServices(config, logger, options.clock);
    let handler: RequestHandler | undefined;
    app = await buildApp(services, (h) => {
      handler = h;
      return listener.server;
    });
    await app.ready();
    if (handler) listener.serve(handler);
  } catch (err) {
    await listener.close();
    await app?.close();
    await services?.database.close();
    throw err;
  }
  const metricsListen = config.metricsListen;
  let metricsApp: FastifyInstance | undefined;
  try {
    metricsApp = metricsListen ? await startMetricsListener(services.metrics, { token: config.metricsToken, listen: metricsListen }, logger, VERSION) : undefined;
  } catch (err) {
    await listener.close();
    await app.close();
    await services.database.close();
    throw err;
  }
  const metricsAddress = metricsApp?.server.address();
  const metricsHost = metricsListen?.host.includes(":") ? `[${metricsListen.host}]` : metricsListen?.host;
  const metricsUrl = metricsAddress && typeof metricsAddress === "object" ? `http://${metricsHost}:${metricsAddress.port}` : undefined;
  if (config.embeddedWorker) services.worker.start();
  services.monitor.start();
  services.expiry.start();
  await services.copyImages.start();
  services.scheduler.start();
  if (!options.deferReady) services.readiness.ready = true;
  const running = { app, services };
  return {
    ...running,
    url: listener.url,
    metricsUrl,
    markReady() {
      running.services.readiness.ready = true;
    },
    async close() {
      await metricsApp?.close();
      await listener.close();
      await running.app.close();
      await running.services.scheduler.stop();
      await running.services.monitor.stop();
      await running.services.expiry.stop();
      await running.services.worker.stop();
      running.services.copyImages.stop();
      await running.services.storeRegistry.close();
      await running.services.connectors.close();
      await running.services.database.close();
    },
  };
}

/** A datastore of the manager (the demo gateway's home), or undefined when it has none. */
async function firstDatastore(inventory: InventoryContext, workspaceId: string, managerId: string): Promise<{ managerId: string; datastoreId: string } | undefined> {
  const page = await inventory.store.repository("datastore").list(workspaceId, { orderBy: [], offset: 0, limit: 1 }, { column: "hypervisor_manager_id", value: managerId });
  const doc: unknown = page.docs[0] === undefined ? undefined : JSON.parse(page.docs[0]);
  return doc !== null && typeof doc === "object" && "id" in doc && typeof doc.id === "string" ? { managerId, datastoreId: doc.id } : undefined;
}

export interface FirstStart {
  /** The admin client created now (its secret is shown once), if any. */
  created: NewApiClient | undefined;
  workspaceId: string;
  dataOrchestratorId: string;
  demo: DemoInventory<DemoLabSummary> | undefined;
  /** The demo protection stores (and gateway) made on this start, if any. */
  demoStores: DemoStores | undefined;
  /** The demo three-tier policy and the VMs it protects, when made on this start. */
  demoProtection: DemoProtection | undefined;
}

/**
 * What `obr serve` does once the server listens: make sure the bootstrap admin exists, give its
 * workspace the embedded data orchestrator's record, and (OBR_DEMO, default on) the demo lab and
 * demo protection stores (a cloud store; a gateway in the demo lab with an on-premises store).
 */
export async function firstStart(services: Services): Promise<FirstStart> {
  const { config, clients } = services;
  const created = await clients.bootstrap(config.dataDir, config.clientId, config.clientSecret);
  const all = await clients.list();
  const admin =
    created ?? all.find((c) => c.clientId === config.clientId) ?? all.find((c) => c.role === "admin" && c.name === "bootstrap admin") ?? all.find((c) => c.role === "admin");
  if (!admin) throw new Error("no admin API client exists");
  const orchestrator = await services.inventory.dataOrchestrators.ensureEmbedded(admin.workspaceId);
  services.worker.serveTarget(orchestrator.id);
  const actor: Actor = { workspaceId: admin.workspaceId, apiClientId: admin.id, clientId: admin.clientId, role: admin.role };
  let demo: DemoInventory<DemoLabSummary> | undefined;
  try {
    const labRoot = join(config.dataDir, "lab");
    if (config.demo) demo = await registerDemoInventory(services.inventory, { labRoot, admin: actor, buildLab: createDemoLab, wait: config.embeddedWorker });
  } catch (err) {
    // The demo is a convenience: the server keeps running without it.
    services.logger.warn({ err }, "could not set up the demo inventory");
  }
  let demoStores: DemoStores | undefined;
  try {
    const { protectionStores: stores, protectionStoreGateways: gateways } = services.useCases;
    const lab = demo?.state === "SUCCEEDED" ? await firstDatastore(services.inventory, actor.workspaceId, demo.managerId) : undefined;
    if (config.demo) demoStores = await createDemoStores({ ctx: services.stores, stores, gateways, admin: actor, wait: config.embeddedWorker }, lab);
  } catch (err) {
    services.logger.warn({ err }, "could not create the demo protection stores");
  }
  let demoProtection: DemoProtection | undefined;
  try {
    const managerId = demo?.managerId ?? (await services.inventory.store.repository("hypervisor-manager").findIdBy(actor.workspaceId, "name", "demo"));
    if (config.demo && managerId) {
      demoProtection = await createDemoProtection({
        policies: services.useCases.protectionPolicies,
        jobs: services.useCases.protectionJobs,
        policyRepository: services.repositories.get("protection-policies")!,
        storeRepository: services.repositories.get("protection-stores")!,
        vmRepository: services.repositories.get("virtual-machines")!,
        admin: actor,
        managerId,
        marker: join(config.dataDir, "demo-protection.done"),
      });
    }
  } catch (err) {
    services.logger.warn({ err }, "could not assign the demo protection policy");
  }
  return { created, workspaceId: admin.workspaceId, dataOrchestratorId: orchestrator.id, demo, demoStores, demoProtection };
}

/**
 * A separate `obr orchestrator`'s data plane: the connector of the labs under `labRoot` and the
 * chunk stores it opens itself where its plans say (it reads no database). `crashPoint`: as
 * OBR_CRASH_POINT for the server, for crash tests; `storeCacheDir`: as OBR_STORE_CACHE_DIR.
 */
export function buildDataPlane(labRoot: string, where: string, opts: { crashPoint?: string | undefined; storeCacheDir?: string | null } = {}): { plane: DataPlane; close(): Promise<void> } {
  const crash = crashPointsAt(opts.crashPoint, (code) => process.exit(code));
  prefaultSharedSlots(); // a long-running orchestrator, as the service
  const connectors = createConnectorRegistry({ labRoot, crashPoints: crash });
  const registry = new StoreRegistry(new ProtectionStoreFactory(opts.storeCacheDir ? { cacheDir: opts.storeCacheDir } : {}));
  return {
    plane: localDataPlane(connectors, registry, crash, where),
    async close() {
      await connectors.close();
      await registry.close();
    },
  };
}
