import { open, readFile, rename, unlink } from "node:fs/promises";
import { ConnectorError } from "../connector-error.ts";

let tmpCounter = 0;

/** Writes JSON so a reader (or a crash) sees the old file or the new one, never a torn one. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  tmpCounter += 1;
  const tmp = `${path}.${process.pid}.${tmpCounter}.tmp`;
  const handle = await open(tmp, "w");
  try {
    await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** Reads a JSON file; a missing file is `undefined`, a corrupt one an internal error. */
export async function readJson<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new ConnectorError("corrupt", `corrupt lab file ${path}`, { cause });
  }
}
