// Imports every module given on the command line with native addons refused and the environment
// watched, and prints one JSON line: which module loaded an addon or read an OBR_* variable while
// being imported. src/architecture.test.ts runs it in a fresh process (module state is per process).
import { pathToFileURL } from "node:url";

const found: string[] = [];
let current = "";
process.dlopen = (_module: unknown, filename: string) => {
  found.push(`${current}: loads the addon ${filename}`);
  throw new Error("native addon loaded at import time");
};
process.env = new Proxy(process.env, {
  get(target, key) {
    if (typeof key === "string" && key.startsWith("OBR_")) found.push(`${current}: reads ${key}`);
    return Reflect.get(target, key);
  },
});
for (const file of process.argv.slice(2)) {
  current = file;
  try {
    await import(pathToFileURL(file).href);
  } catch (err) {
    found.push(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
process.stdout.write(`${JSON.stringify(found)}\n`);
