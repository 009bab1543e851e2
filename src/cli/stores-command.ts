// `obr stores export-key <store id>`: prints a cloud protection store's key for disaster
// recovery. It reads only <data dir>/keys (the master key and the store's wrapped key), so it
// works with the server stopped and without the database. With the key, the store's directory
// opens anywhere: `obr store verify <dir> --passphrase-file <file holding the key>`.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";
import { FileKeyVault } from "../store/key-vault.ts";
import type { ConfigFrom } from "./config-from.ts";

/** The store's directory under <data dir>/cloud/<region>/, if it is there. */
async function cloudDirOf(dataDir: string, storeId: string): Promise<string | undefined> {
  const root = join(dataDir, "cloud");
  const regions = await readdir(root).catch(() => [] as string[]);
  for (const region of regions) {
    const ids = await readdir(join(root, region)).catch(() => [] as string[]);
    if (ids.includes(storeId)) return join(root, region, storeId);
  }
  return undefined;
}

export function storesCommand(configFrom: ConfigFrom): Command {
  const stores = new Command("stores").description("protection stores of this server's data dir (keys for disaster recovery)");
  stores
    .command("export-key")
    .description("print a cloud protection store's key (64 hex digits) on stdout")
    .argument("<id>", "the protection store's id")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const config = configFrom(cmd);
      try {
        const key = await new FileKeyVault(join(config.dataDir, "keys")).get(id);
        if (key === undefined) {
          process.stderr.write(`obr stores: no key for protection store ${id} in ${join(config.dataDir, "keys")} (on-premises stores are not encrypted)\n`);
          process.exit(1);
        }
        process.stdout.write(`${key}\n`);
        const dir = await cloudDirOf(config.dataDir, id);
        process.stderr.write(
          `Keep this key secret and apart from the store's data. To open the store without this server:\n` +
            `  obr store verify ${dir ?? "<store dir>"} --passphrase-file <file holding the key>\n`,
        );
      } catch (err) {
        process.stderr.write(`obr stores: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      }
    });
  return stores;
}
