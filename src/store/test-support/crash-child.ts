// Child process for the crash test: runs backups, incrementals, deletes and GCs on a store in an
// endless loop until the parent SIGKILLs it. Usage: node crash-child.ts <store> <imagesDir> <round>,
// where <store> is a directory or `s3:` and the JSON of an S3 target with its lease (crash.test.ts).
// Its choices come from the run's seed (OBR_SEED, inherited), drawn apart per round.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { seededRandom } from "../../../test/helpers/tiers.ts";
import { GcLockedError } from "../errors.ts";
import type { ProtectionStore } from "../protection-store.ts";
import { openCrashStore } from "./crash-store.ts";

const [storeArg, imagesDir, round = "0"] = process.argv.slice(2) as [string, string, string?];
const random = seededRandom(1 + Number(round));
const ranges = JSON.parse(readFileSync(join(imagesDir, "1.ranges.json"), "utf8")) as Array<[number, number]>;
const store: ProtectionStore = await openCrashStore(storeArg);
process.stdout.write("READY\n");
for (;;) {
  const r = random();
  const backups = await store.listBackups();
  if (r < 0.5) {
    const k = Math.floor(random() * 3);
    await store.backup(join(imagesDir, `${k}.img`), { label: String(k) });
  } else if (r < 0.75) {
    const parent = backups.find((b) => b.label === "0");
    if (parent) await store.backup(join(imagesDir, "1.img"), { label: "1", parent: parent.backupId, changedRanges: ranges });
  } else if (r < 0.9) {
    const victim = backups[Math.floor(random() * backups.length)];
    if (victim && backups.length > 4) await store.deleteBackup(victim.backupId);
  } else {
    await store.gc({ graceMs: 0 }).catch((e: unknown) => {
      if (!(e instanceof GcLockedError)) throw e;
    });
  }
  process.stdout.write("DONE\n");
}
