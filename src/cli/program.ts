// The obr command: `obr serve` (default), `obr clients ...`, `obr lab ...`, `obr store ...`, `obr stores ...`, `obr info`.
import { Command, Option } from "commander";
import { type ConfigOverrides, loadConfig } from "../config/config.ts";
import { VERSION } from "../version.ts";
import { clientsCommand } from "./clients-command.ts";
import { secureDataDir } from "./data-dir-permissions.ts";
import { infoCommand } from "./info-command.ts";
import { labCommand } from "./lab-command.ts";
import { orchestratorCommand } from "./orchestrator-command.ts";
import { serveCommand } from "./serve-command.ts";
import { storeCommand } from "./store-command.ts";
import type { ConfigFrom } from "./config-from.ts";
import { storesCommand } from "./stores-command.ts";

export function buildCli(env: Record<string, string | undefined>): Command {
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
  program.addCommand(serveCommand(configFrom), { isDefault: true });
  program.addCommand(clientsCommand(configFrom));
  program.addCommand(labCommand(configFrom));
  program.addCommand(storeCommand());
  program.addCommand(infoCommand(configFrom));
  program.addCommand(orchestratorCommand(env));
  program.addCommand(storesCommand(configFrom));
  return program;
}
