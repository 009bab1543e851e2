// `obr clients create|list|delete`: manage API clients directly in the database (local admin).
import { Command, Option } from "commander";
import { ROLES, type Role } from "../auth/tokens.ts";
import { openDatabase } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import { ApiClientService } from "../services/api-clients.ts";
import type { ConfigFrom } from "./program.ts";

async function withClients<T>(cmd: Command, configFrom: ConfigFrom, work: (clients: ApiClientService) => Promise<T>): Promise<T> {
  const config = configFrom(cmd);
  const database = await openDatabase(config.databaseUrl);
  try {
    await migrate(database);
    return await work(new ApiClientService(database));
  } finally {
    await database.close();
  }
}

export function clientsCommand(configFrom: ConfigFrom): Command {
  const clients = new Command("clients").description("manage API clients (OAuth2 client credentials)");
  clients
    .command("create")
    .description("create an API client and print its secret once")
    .requiredOption("--name <name>", "a name people recognise")
    .addOption(new Option("--role <role>", "what it may do").choices([...ROLES]).default("operator"))
    .option("--workspace <id>", "workspace (customerId) it belongs to; default: a new workspace")
    .option("--json", "print JSON")
    .action(async (opts: { name: string; role: Role; workspace?: string; json?: boolean }, cmd: Command) => {
      const created = await withClients(cmd, configFrom, (c) =>
        c.create({ name: opts.name, role: opts.role, ...(opts.workspace ? { workspaceId: opts.workspace } : {}) }),
      );
      if (opts.json) process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
      else {
        process.stdout.write(`client_id:     ${created.clientId}\nclient_secret: ${created.clientSecret}\n`);
        process.stdout.write(`workspace:     ${created.workspaceId}\nrole:          ${created.role}\n`);
      }
    });
  clients
    .command("list")
    .description("list API clients")
    .option("--workspace <id>", "only this workspace")
    .option("--json", "print JSON")
    .action(async (opts: { workspace?: string; json?: boolean }, cmd: Command) => {
      const list = await withClients(cmd, configFrom, (c) => c.list(opts.workspace));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      const rows = list.map((c) => [c.clientId, c.role, c.workspaceId, c.name, c.createdAt]);
      const head = ["CLIENT ID", "ROLE", "WORKSPACE", "NAME", "CREATED"];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const r of [head, ...rows]) process.stdout.write(`${r.map((v, i) => v.padEnd(widths[i]!)).join("  ")}\n`);
    });
  clients
    .command("delete <id>")
    .description("delete an API client (by id or client_id); its tokens stop working")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await withClients(cmd, configFrom, (c) => c.delete(id));
      process.stdout.write(`deleted ${id}\n`);
    });
  return clients;
}
