// Entry point: parse argv and hand over to the command. Nothing else happens here.
// Everything obr creates (database, keys, credentials, lab disks, stores) is private to the user
// running it: umask 077 before anything is opened. The compile cache is enabled before the rest
// of obr loads (hence the dynamic import): later starts skip stripping and compiling its
// TypeScript again.
import { enableCompileCache } from "node:module";
import { compileCacheDir } from "./cli/compile-cache.ts";

process.umask(0o077);
const cacheDir = compileCacheDir(process.env);
if (cacheDir) enableCompileCache(cacheDir);
const { buildCli } = await import("./cli/program.ts");
await (await buildCli(process.env)).parseAsync(process.argv);
