// `obr clients create|list|delete|rotate|set-role`: manage API clients directly in the database,
// as the installation's operator (who, unlike an API admin, may add a client to any workspace).
import { Command, Option } from "commander";
import { ROLES, type Role } from "../auth/tokens.ts";
import { openDatabase } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import { escapeForTerminal } from "../domain/names.ts";
import { ApiClientService, type NewApiClient } from "../services/api-clients.ts";
import { SqlApiClientRepository } from "../db/api-client-repository.ts";
import type { ConfigFrom } from "./config-from.ts";
import { printJson, runOrExit } from "./terminal-output.ts";

async function withClients<T>(cmd: Command, configFrom: ConfigFrom, work: (clients: ApiClientService) => Promise<T>): Promise<T> {
  const config = configFrom(cmd);
  const database = await openDatabase(config.databaseUrl);
  try {
    await migrate(database);
    return await work(new ApiClientService(new SqlApiClientRepository(database)));
  } finally {
    await database.close();
  }
}

function printSecret(client: NewApiClient): void {
  process.stdout.write(`client_id:     ${client.clientId}\nclient_secret: ${client.clientSecret}\n`);
  process.stdout.write(`workspace:     ${client.workspaceId}\nrole:          ${client.role}\nname:          ${escapeForTerminal(client.name)}\n`);
}

interface CreateOptions {
  name: string;
  role: Role;
  workspace?: string;
  newWorkspace?: boolean;
  json?: boolean;
}

/** Where a new client goes: --workspace, a new workspace, or the installation's first one (said on stderr). */
async function createClient(c: ApiClientService, opts: CreateOptions): Promise<NewApiClient> {
  if (opts.workspace && opts.newWorkspace) throw new Error("give either --workspace or --new-workspace, not both");
  if (opts.workspace || opts.newWorkspace) return c.create({ name: opts.name, role: opts.role, ...(opts.workspace ? { workspaceId: opts.workspace } : {}) });
  const first = await c.firstWorkspace();
  if (first) process.stderr.write(`no --workspace given: using the installation's first workspace ${first} (the bootstrap admin's)\n`);
  else process.stderr.write("no --workspace given and no workspace exists yet: opening a new one\n");
  return c.create({ name: opts.name, role: opts.role, ...(first ? { workspaceId: first } : {}) });
}

export function clientsCommand(configFrom: ConfigFrom): Command {
  const clients = new Command("clients").description("manage API clients (OAuth2 client credentials)");
  clients
    .command("create")
    .description("create an API client and print its secret once")
    .requiredOption("--name <name>", "a name people recognise")
    .addOption(new Option("--role <role>", "what it may do").choices([...ROLES]).default("operator"))
    .option("--workspace <id>", "workspace (customerId) it belongs to; default: the installation's first workspace")
    .option("--new-workspace", "open a new workspace (generated id) for it")
    .option("--json", "print JSON")
    .action((opts: CreateOptions, cmd: Command) =>
      runOrExit("clients", async () => {
        const created = await withClients(cmd, configFrom, (c) => createClient(c, opts));
        if (opts.json) printJson(created);
        else printSecret(created);
      }),
    );
  clients
    .command("list")
    .description("list API clients")
    .option("--workspace <id>", "only this workspace")
    .option("--json", "print JSON")
    .action((opts: { workspace?: string; json?: boolean }, cmd: Command) =>
      runOrExit("clients", async () => {
        const list = await withClients(cmd, configFrom, (c) => c.list(opts.workspace));
        if (opts.json) return printJson(list);
        // Names come from API clients: escaped, so that none can drive the terminal.
        const rows = list.map((c) => [c.clientId, c.role, c.workspaceId, c.name, c.createdAt].map(escapeForTerminal));
        const head = ["CLIENT ID", "ROLE", "WORKSPACE", "NAME", "CREATED"];
        const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
        for (const r of [head, ...rows]) process.stdout.write(`${r.map((v, i) => v.padEnd(widths[i]!)).join("  ")}\n`);
      }),
    );
  clients
    .command("delete <id>")
    .description("delete an API client (by id or client_id); its tokens stop working")
    .action((id: string, _opts: unknown, cmd: Command) =>
      runOrExit("clients", async () => {
        await withClients(cmd, configFrom, (c) => c.delete(id));
        process.stdout.write(`deleted ${escapeForTerminal(id)}\n`);
      }),
    );
  clients
    .command("rotate <id>")
    .description("give an API client (by id or client_id) a new secret, printed once; the old one stops working")
    .option("--json", "print JSON")
    .action((id: string, opts: { json?: boolean }, cmd: Command) =>
      runOrExit("clients", async () => {
        const rotated = await withClients(cmd, configFrom, (c) => c.rotate(id));
        if (opts.json) printJson(rotated);
        else printSecret(rotated);
      }),
    );
  clients
    .command("set-role <id> <role>")
    .description(`change an API client's role (${ROLES.join(", ")}); its tokens carry the new role within seconds`)
    .action((id: string, role: string, _opts: unknown, cmd: Command) =>
      runOrExit("clients", async () => {
        const valid = ROLES.find((r) => r === role);
        if (!valid) throw new Error(`role '${escapeForTerminal(role)}' is not one of ${ROLES.join(", ")}`);
        const changed = await withClients(cmd, configFrom, (c) => c.setRole(id, valid));
        process.stdout.write(`${changed.clientId} is now ${changed.role}\n`);
      }),
    );
  return clients;
}
