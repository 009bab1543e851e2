// How a subcommand reads the installation's configuration: the global flags (--data-dir...) over
// OBR_* over defaults. Its own file so that commands and program.ts do not import each other.
import type { Command } from "commander";
import type { Config } from "../config/config.ts";

export type ConfigFrom = (cmd: Command) => Config;
