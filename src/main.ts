// Entry point: parse argv and hand over to the command. Nothing else happens here.
import { buildCli } from "./cli/program.ts";

await buildCli(process.env).parseAsync(process.argv);
