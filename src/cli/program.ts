// The obr command: the installation's own commands (`obr serve` (default), `obr clients ...`,
// `obr lab ...`, `obr store ...`, `obr stores export-key`, `obr info`, `obr orchestrator`) and the
// API's (`obr login`, `obr vms list`, ...; src/cli/api/). An installation command's module (the
// server, the database, the lab) is loaded only when that command runs: for any other, help
// shows its name and description, so `obr --help` and the API commands start in a fraction of
// the time the server's modules take to load.
import { Command, Option } from "commander";
import { type ConfigOverrides, loadConfig } from "../config/config.ts";
import { VERSION } from "../version.ts";
import { addApiCommands } from "./api/commands.ts";
import { completionCommand } from "./api/completion-command.ts";
import { loginCommands } from "./api/login-command.ts";
import type { ConfigFrom } from "./config-from.ts";
import { secureDataDir } from "./data-dir-permissions.ts";

type Env = Record<string, string | undefined>;

interface LocalCommand {
  name: string;
  description: string;
  load(configFrom: ConfigFrom, env: Env): Promise<Command>;
}

const LOCAL_COMMANDS: readonly LocalCommand[] = [
  { name: "serve", description: "run the API server with the embedded worker", load: async (c) => (await import("./serve-command.ts")).serveCommand(c) },
  { name: "clients", description: "manage API clients (OAuth2 client credentials)", load: async (c) => (await import("./clients-command.ts")).clientsCommand(c) },
  { name: "lab", description: "create a lab hypervisor in <data dir>/lab, or act on one (guest activity, VM import)", load: async (c) => (await import("./lab-command.ts")).labCommand(c) },
  { name: "store", description: "diagnose and repair a protection store directory", load: async () => (await import("./store-command.ts")).storeCommand() },
  { name: "info", description: "show the installation: data dir, database, API address, labs, and each workspace's data orchestrator id", load: async (c) => (await import("./info-command.ts")).infoCommand(c) },
  { name: "orchestrator", description: "run a separate data orchestrator: prints an activation code, then runs the jobs routed to it", load: async (_c, env) => (await import("./orchestrator-command.ts")).orchestratorCommand(env) },
  { name: "stores", description: "protection stores: list them through the API, or export a cloud store's key from this server's data dir", load: async (c) => (await import("./stores-command.ts")).storesCommand(c) },
];

/** Global options that take a value: their values are not command names. */
const VALUE_OPTIONS = new Set(["--data-dir", "--database-url", "--listen", "--log-level", "--profile"]);

/** The command word of argv (after node and script), or undefined when none is given. */
function commandWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith("-")) return a;
  }
  return undefined;
}

export async function buildCli(env: Env, argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command("obr").version(VERSION).description("Open Backup & Recovery").showHelpAfterError();
  program
    .addOption(new Option("--data-dir <dir>", "data directory (OBR_DATA_DIR, default ./obr-data)"))
    .addOption(new Option("--database-url <url>", "sqlite:<path> or postgres://... (OBR_DATABASE_URL)"))
    .addOption(new Option("--listen <host:port>", "listen address (OBR_LISTEN, default 127.0.0.1:7480)"))
    .addOption(new Option("--log-level <level>", "pino log level (OBR_LOG_LEVEL)"));
  const configFrom: ConfigFrom = (cmd) => {
    const o = cmd.optsWithGlobals() as Record<string, string | undefined>;
    const flags: ConfigOverrides = { dataDir: o.dataDir, databaseUrl: o.databaseUrl, listenHost: o.listen, logLevel: o.logLevel };
    const config = loadConfig(env, flags);
    secureDataDir(config.dataDir, config.databaseUrl);
    return config;
  };
  const args = argv.slice(2);
  const word = commandWord(args);
  const asksOnlyHelp = word === undefined && args.some((a) => a === "-h" || a === "--help" || a === "-V" || a === "--version");
  // no command word runs the default (serve); completion needs every command's whole tree
  const wanted = word ?? (asksOnlyHelp ? undefined : "serve");
  for (const local of LOCAL_COMMANDS) {
    const real = local.name === wanted || word === "completion";
    const command = real ? await local.load(configFrom, env) : new Command(local.name).allowUnknownOption().allowExcessArguments();
    command.description(local.description);
    program.addCommand(command, local.name === "serve" ? { isDefault: true } : {});
  }
  for (const command of loginCommands(env)) program.addCommand(command);
  addApiCommands(program, env);
  completionCommand(program);
  return program;
}
