// `obr serve`: the control plane with the embedded worker, on SQLite unless told otherwise.
import { Command } from "commander";
import pino, { type Logger } from "pino";
import { formatDemoLabSummary } from "../connectors/lab/demo-lab.ts";
import { StartupError } from "../api/listener.ts";
import type { Config } from "../config/config.ts";
import { type FirstStart, type RunningServer, firstStart, startServer } from "../container.ts";
import { AppError } from "../domain/app-error.ts";
import type { ConfigFrom } from "./config-from.ts";

export function serveCommand(configFrom: ConfigFrom): Command {
  return new Command("serve").description("run the API server with the embedded worker").action(async (_opts, cmd: Command) => {
    // A start that fails (bad setting, busy port, unreadable TLS key, unreachable database) ends
    // with one clear line and exit code 1; the stack is logged only for what obr did not foresee.
    const fail = (err: unknown, logger?: Logger): never => {
      if (logger && !(err instanceof StartupError || err instanceof AppError)) logger.error({ err }, "start-up failed");
      process.stderr.write(`obr: ${err instanceof Error ? err.message : String(err)}\n`);
      return process.exit(1);
    };
    let config: Config;
    try {
      config = configFrom(cmd);
    } catch (err) {
      return fail(err);
    }
    const logger = pino({ level: config.logLevel });
    let server: RunningServer | undefined;
    let first: FirstStart;
    try {
      server = await startServer(config, logger, { deferReady: true });
      first = await firstStart(server.services);
    } catch (err) {
      await server?.close().catch(() => undefined);
      return fail(err, logger);
    }
    const { created, demo, demoStores, demoProtection, dataOrchestratorId } = first;
    const out = process.stdout;
    out.write(`\nobr listening on ${server.url}  (data: ${config.dataDir}, database: ${server.services.database.dialect})\n`);
    out.write(`  API docs: ${server.url}/docs   OpenAPI: ${server.url}/openapi.json\n`);
    if (created) {
      out.write("\n  First start: created an admin API client (the secret is shown only now,\n");
      out.write(`  and saved to ${config.dataDir}/credentials.json, mode 0600):\n`);
      out.write(`    client_id:     ${created.clientId}\n    client_secret: ${created.clientSecret}\n`);
      out.write(`  Get a token:\n    curl -s -u '${created.clientId}:<secret>' -d grant_type=client_credentials ${server.url}/as/token.oauth2\n\n`);
    }
    out.write(`  Embedded data orchestrator (dataOrchestratorId for registrations): ${dataOrchestratorId}\n`);
    if (demo) {
      out.write(`\n  Demo inventory (OBR_DEMO=0 turns it off):\n${formatDemoLabSummary(demo.summary).replace(/^/gm, "  ")}\n`);
      out.write(`  registered as hypervisor manager ${demo.managerId}: ${demo.state ?? "queued"} (operation ${demo.operationId})\n`);
      out.write(`  Try: GET ${server.url}/virtualization/v1beta1/virtual-machines?sort=name\n\n`);
    }
    if (demoStores) {
      const { cloud, gateway, onPremises } = demoStores;
      out.write(`  Demo protection stores (OBR_DEMO=0 turns them off):\n`);
      out.write(`    cloud store ${cloud.id} in ${cloud.storageLocationId}: ${cloud.state ?? "queued"} (operation ${cloud.operationId})\n`);
      out.write(`      encrypted with its own key; print it for disaster recovery with: obr stores export-key ${cloud.id}\n`);
      if (gateway) out.write(`    protection store gateway ${gateway.id} (demo-psg) in the demo lab: ${gateway.state ?? "queued"} (operation ${gateway.operationId})\n`);
      if (onPremises) out.write(`    on-premises store ${onPremises.id} on that gateway: ${onPremises.state ?? "queued"} (operation ${onPremises.operationId})\n`);
      out.write(`  Try: GET ${server.url}/backup-recovery/v1beta1/protection-stores\n\n`);
    }
    if (demoProtection) {
      out.write(`  Demo protection: policy ${demoProtection.policyId} (hourly snapshots, daily backups, weekly cloud backups)\n`);
      out.write(`    assigned to ${demoProtection.vms.map((v) => v.name).join(" and ")}; their first runs are queued\n`);
      out.write(`  Try: GET ${server.url}/backup-recovery/v1beta1/protection-jobs\n\n`);
    }
    // Everything above (admin, credentials.json, demo lab, banner) is done: /health turns 200.
    server.markReady();
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, "shutting down");
      await server.close();
      process.exit(0);
    };
    process.on("SIGINT", () => void stop("SIGINT"));
    process.on("SIGTERM", () => void stop("SIGTERM"));
  });
}
