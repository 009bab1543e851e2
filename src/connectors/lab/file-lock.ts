import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { basename } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ConnectorError } from "../connector-error.ts";

// Locks that hold across processes: the API server and `obr lab churn` may work on the same lab at
// once. A lock is an in-process promise chain (so callers in one process queue without polling)
// plus a lock file created with O_EXCL holding the owner's pid; a file whose owner is gone is stale.
// The lock-file calls are synchronous on purpose: each is a few microseconds, while a round trip
// through libuv's thread pool costs ~100 µs, and every disk write and snapshot read takes a lock.

const WAIT_LIMIT_MS = 60_000;
const EMPTY_FILE_GRACE_MS = 10_000;
const tails = new Map<string, Promise<void>>();

async function inProcess<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = previous.then(() => mine);
  tails.set(key, tail);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  }
}

function ownerAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isStale(path: string): boolean {
  try {
    const text = readFileSync(path, "utf8");
    if (text.trim() === "") {
      // The owner may be between create and write; only an old empty file is abandoned.
      return Date.now() - statSync(path).mtimeMs > EMPTY_FILE_GRACE_MS;
    }
    return !ownerAlive(Number(text.trim()));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone (e.g. its directory was deleted with the VM)
  }
}

// Fairness: a process that holds a lock over and over (a backup reading a snapshot) would starve a
// polling waiter in another process. A waiter therefore leaves a `<lock>.wait` marker, and an
// acquirer that sees someone else's marker steps back once before competing.
const waitMarker = (path: string) => `${path}.wait`;
const POLITE_PAUSE_MS = 3;
const MARKER_STALE_MS = 2_000;

/** Pauses once if another process is waiting; drops a marker left by a waiter that went away. */
async function stepBackForWaiter(path: string): Promise<void> {
  let age: number;
  try {
    age = Date.now() - statSync(waitMarker(path)).mtimeMs;
  } catch {
    return; // no marker: nobody waits
  }
  if (age > MARKER_STALE_MS) removeQuietly(waitMarker(path));
  else await sleep(POLITE_PAUSE_MS);
}

function tryCreate(path: string): boolean {
  try {
    const fd = openSync(path, "wx");
    try {
      writeSync(fd, String(process.pid));
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ConnectorError("not-found", `lab object ${basename(path)} no longer exists`);
    if (code !== "EEXIST") throw err;
    return false;
  }
}

async function acquireFile(path: string): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  let delay = 1;
  let waiting = false;
  await stepBackForWaiter(path);
  for (;;) {
    if (tryCreate(path)) {
      if (waiting) removeQuietly(waitMarker(path));
      return;
    }
    if (isStale(path)) {
      removeQuietly(path);
      continue;
    }
    if (Date.now() > deadline) {
      if (waiting) removeQuietly(waitMarker(path));
      throw new ConnectorError("unavailable", `lab resource is locked by another process: ${path}`);
    }
    // Re-created on every poll in case an acquirer removed it as stale. It only matters to other
    // processes: waiters in this process queue in inProcess().
    waiting = true;
    tryCreate(waitMarker(path));
    await sleep(delay);
    delay = Math.min(delay * 2, 8);
  }
}

/** Runs `fn` holding the lock named by the file `path` (in this process and across processes). */
export function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  return inProcess(path, async () => {
    await acquireFile(path);
    try {
      return await fn();
    } finally {
      removeQuietly(path);
    }
  });
}

/** Holds several locks, always taken in sorted order so two callers cannot deadlock. */
export function withLocks<T>(paths: readonly string[], fn: () => Promise<T>): Promise<T> {
  const sorted = [...new Set(paths)].sort();
  const step = (i: number): Promise<T> => {
    const path = sorted[i];
    return path === undefined ? fn() : withLock(path, () => step(i + 1));
  };
  return step(0);
}
