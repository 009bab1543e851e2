// Entry point: parse argv and hand over to the command. Nothing else happens here.
// The compile cache is enabled before the rest of obr loads (hence the dynamic import): later
// starts skip stripping and compiling its TypeScript again.
import { enableCompileCache } from "node:module";

enableCompileCache();
const { buildCli } = await import("./cli/program.ts");
await buildCli(process.env).parseAsync(process.argv);
