// Where Node's compile cache lives: the user's own cache directory ($XDG_CACHE_HOME/obr or
// ~/.cache/obr), created 0700, never a shared /tmp directory that another local user could
// create first and fill with code for obr to load. A directory that is not ours or that others
// may write to is not used (no cache, same behaviour, slower start).
import { lstatSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export function compileCacheDir(env: Record<string, string | undefined>): string | undefined {
  const base = env.XDG_CACHE_HOME?.startsWith("/") ? env.XDG_CACHE_HOME : join(env.HOME || homedir(), ".cache");
  const dir = join(base, "obr", "compile-cache");
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return isPrivateDir(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** A real directory (not a link) owned by this user that nobody else may write to. */
export function isPrivateDir(dir: string): boolean {
  const s = lstatSync(dir);
  const ours = process.getuid === undefined || s.uid === process.getuid();
  return s.isDirectory() && ours && (s.mode & 0o022) === 0;
}
