// npm run bench: every benchmark in turn, each printing its own figures and ratios to peers.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

let failed = false;
for (const name of ["api.ts", "store.ts", "protect.ts"]) {
  process.stdout.write(`\n=== bench/${name} ===\n`);
  const r = spawnSync(process.execPath, [join(import.meta.dirname, name)], { stdio: "inherit" });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
