// `obr info`: what a newcomer needs to find their way in an installation: where its data and
// database are, the API's address, the labs that can be registered, and each workspace with the
// id of its embedded data orchestrator (the `dataOrchestratorId` every registration names).
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";
import { inventoryPath } from "../connectors/lab/lab-state.ts";
import { openDatabase } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import { type ApiClientView, ApiClientService } from "../services/api-clients.ts";
import { SqlApiClientRepository } from "../db/api-client-repository.ts";
import { embeddedDataOrchestratorId } from "../services/inventory/data-orchestrators.ts";
import { VERSION } from "../version.ts";
import type { ConfigFrom } from "./config-from.ts";
import { pathExists } from "../platform/path-exists.ts";

export interface WorkspaceInfo {
  workspaceId: string;
  dataOrchestratorId: string;
  clients: number;
  roles: string[];
}

/** A database URL without its password. */
const redact = (url: string) => url.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@");

/** Lab names under `labRoot` (directories holding a lab inventory). */
async function labsIn(labRoot: string): Promise<string[]> {
  const entries = await readdir(labRoot, { withFileTypes: true }).catch(() => []);
  const labs: string[] = [];
  for (const e of entries) {
    if (e.isDirectory() && (await pathExists(inventoryPath(join(labRoot, e.name))))) labs.push(e.name);
  }
  return labs.sort();
}

export function infoCommand(configFrom: ConfigFrom): Command {
  return new Command("info")
    .description("show the installation: data dir, database, API address, labs, and each workspace's data orchestrator id")
    .option("--workspace <id>", "only this workspace")
    .option("--json", "print JSON")
    .action(async (opts: { workspace?: string; json?: boolean }, cmd: Command) => {
      const config = configFrom(cmd);
      const database = await openDatabase(config.databaseUrl);
      let clients: ApiClientView[];
      try {
        await migrate(database);
        clients = await new ApiClientService(new SqlApiClientRepository(database)).list(opts.workspace);
      } finally {
        await database.close();
      }
      const workspaces = new Map<string, WorkspaceInfo>();
      for (const c of clients) {
        const ws = workspaces.get(c.workspaceId) ?? { workspaceId: c.workspaceId, dataOrchestratorId: embeddedDataOrchestratorId(c.workspaceId), clients: 0, roles: [] };
        ws.clients += 1;
        if (!ws.roles.includes(c.role)) ws.roles.push(c.role);
        workspaces.set(c.workspaceId, ws);
      }
      const host = config.listenHost.includes(":") ? `[${config.listenHost}]` : config.listenHost;
      const info = {
        version: VERSION,
        dataDir: config.dataDir,
        database: redact(config.databaseUrl),
        url: `${config.tlsCert ? "https" : "http"}://${host}:${config.listenPort}`,
        labs: await labsIn(join(config.dataDir, "lab")),
        workspaces: [...workspaces.values()],
      };
      if (opts.json) return void process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
      const out = [
        `obr ${info.version}`,
        `data dir:  ${info.dataDir}`,
        `database:  ${info.database}`,
        `API:       ${info.url}`,
        `labs:      ${info.labs.map((l) => `lab://${l}`).join(", ") || "none (obr lab create <name>)"}`,
        "",
      ];
      const rows = info.workspaces.map((w) => [w.workspaceId, w.dataOrchestratorId, `${w.clients} (${w.roles.join(", ")})`]);
      const head = ["WORKSPACE", "DATA ORCHESTRATOR ID", "API CLIENTS"];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const r of [head, ...rows]) out.push(r.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd());
      if (rows.length === 0) out.push("(no workspace yet: `obr serve` creates the first, `obr clients create --new-workspace` more)");
      process.stdout.write(`${out.join("\n")}\n`);
    });
}
