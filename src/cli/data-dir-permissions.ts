// The data dir holds every workspace's data and the secret hashes: it is 0700 and the files in it
// 0600. New files are private through the process umask (main.ts); this also tightens what an
// earlier version created 0755/0644: the data dir, the entries at its top (the database and its
// -wal/-shm, credentials, keys, lab and store directories) and a SQLite file kept elsewhere.
// Deeper entries are shielded by their 0700 parents and not walked (a store can hold many files).
import { chmodSync, existsSync, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

function tighten(path: string): void {
  try {
    const s = lstatSync(path);
    if (s.isSymbolicLink() || (process.getuid !== undefined && s.uid !== process.getuid())) return;
    const mode = s.isDirectory() ? 0o700 : 0o600;
    if ((s.mode & 0o777) !== mode && (s.isDirectory() || s.isFile())) chmodSync(path, mode);
  } catch {
    // Gone meanwhile, or not ours to change: nothing to tighten.
  }
}

export function secureDataDir(dataDir: string, databaseUrl: string): void {
  // A data dir not made yet is made by whatever needs it, under the umask.
  if (existsSync(dataDir)) {
    tighten(dataDir);
    for (const entry of readdirSync(dataDir)) tighten(join(dataDir, entry));
  }
  if (databaseUrl.startsWith("sqlite:")) {
    const file = databaseUrl.slice("sqlite:".length);
    for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) tighten(path);
  }
}
