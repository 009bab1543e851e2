// GuestFileSystems on ext2/3/4 images through debugfs: listings from `ls -p`, one entry's facts
// from `stat`, files out with `dump`, changes with `debugfs -w` (mkdir, write, rm, symlink,
// set_inode_field). Works on image files without mounting them and without root.
import { open } from "node:fs/promises";
import { joinGuestPath } from "../../domain/guest-paths.ts";
import type { GuestEntry, GuestFile, GuestFileSystems, GuestFileType, GuestWrite } from "../../services/ports/guest-files.ts";
import { ConnectorError } from "../connector-error.ts";
import { findE2fsTool, quote, runDebugfs } from "./debugfs.ts";

const EXT_MAGIC = 0xef53;
/** Commands per debugfs run: bounds one script's size. */
const BATCH = 2000;

const typeOfMode = (mode: number): GuestFileType => {
  const kind = mode & 0o170000;
  return kind === 0o100000 ? "file" : kind === 0o040000 ? "directory" : kind === 0o120000 ? "symlink" : "other";
};
const TYPE_BITS: Record<GuestFileType, number> = { file: 0o100000, directory: 0o040000, symlink: 0o120000, other: 0 };

/** One `ls -p` line: /inode/mode/uid/gid/name/size/ (names hold no "/"). */
function parseListLine(dir: string, line: string): GuestEntry | undefined {
  const fields = line.slice(1, -1).split("/");
  if (fields.length !== 6 || !line.startsWith("/")) return undefined;
  const [, modeText = "", uid = "0", gid = "0", name = "", size = ""] = fields;
  if (name === "." || name === ".." || name === "") return undefined;
  const mode = Number.parseInt(modeText, 8);
  return { name, path: joinGuestPath(dir, name), type: typeOfMode(mode), sizeInBytes: Number(size || 0), mode: mode & 0o7777, uid: Number(uid), gid: Number(gid) };
}

/** Seconds of an inode time as `stat` prints it: 0x<lo>[:<extra>], lo signed, extra's low 2 bits the epoch. */
function parseTime(text: string, field: string): string {
  const m = new RegExp(`^\\s*${field}: 0x([0-9a-f]+)(?::([0-9a-f]+))?`, "m").exec(text);
  if (!m?.[1]) return new Date(0).toISOString();
  const lo = Number.parseInt(m[1], 16) | 0;
  const epoch = m[2] ? Number.parseInt(m[2], 16) & 3 : 0;
  return new Date((lo + epoch * 2 ** 32) * 1000).toISOString();
}

function parseStat(path: string, text: string): GuestFile | undefined {
  const mode = /Mode:\s+0?([0-7]+)/.exec(text);
  const type = /Type: (\w+)/.exec(text)?.[1];
  if (!mode?.[1] || !type) return undefined;
  const kind: GuestFileType = type === "regular" ? "file" : type === "directory" ? "directory" : type === "symlink" ? "symlink" : "other";
  const link = /Fast link dest: "(.*)"/.exec(text)?.[1];
  return {
    name: path.slice(path.lastIndexOf("/") + 1),
    path,
    type: kind,
    sizeInBytes: Number(/Size: (\d+)/.exec(text)?.[1] ?? 0),
    mode: Number.parseInt(mode[1], 8) & 0o7777,
    uid: Number(/User:\s+(\d+)/.exec(text)?.[1] ?? 0),
    gid: Number(/Group:\s+(\d+)/.exec(text)?.[1] ?? 0),
    modifiedAt: parseTime(text, "mtime"),
    ...(link !== undefined ? { linkTarget: link } : {}),
  };
}

function commandOf(w: GuestWrite): string[] {
  switch (w.op) {
    case "mkdir":
      return [`mkdir ${quote(w.path)}`];
    case "remove":
      return [`rm ${quote(w.path)}`];
    case "write":
      return [`write ${quote(w.from)} ${quote(w.path)}`];
    case "symlink":
      return [`symlink ${quote(w.path)} ${quote(w.target)}`];
    case "attributes": {
      const seconds = Math.floor(Date.parse(w.modifiedAt) / 1000);
      // A symlink's mode stays 0777; ownership and time apply to every type.
      const mode = w.type === "symlink" ? [] : [`set_inode_field ${quote(w.path)} mode 0${(TYPE_BITS[w.type] | w.mode).toString(8)}`];
      return [...mode, ...["uid", "gid"].map((f) => `set_inode_field ${quote(w.path)} ${f} ${f === "uid" ? w.uid : w.gid}`), `set_inode_field ${quote(w.path)} mtime @${seconds}`];
    }
  }
}

export class Ext4Files implements GuestFileSystems {
  readonly #debugfs: string;

  constructor(debugfs = findE2fsTool("debugfs")) {
    this.#debugfs = debugfs;
  }

  async recognises(image: string): Promise<boolean> {
    const handle = await open(image, "r");
    try {
      const magic = Buffer.alloc(2);
      await handle.read(magic, 0, 2, 1024 + 56);
      return magic.readUInt16LE(0) === EXT_MAGIC;
    } finally {
      await handle.close();
    }
  }

  async #run(image: string, commands: string[], write = false) {
    if (!(await this.recognises(image))) throw new ConnectorError("bad-argument", "the disk holds no file system obr can read (ext2/3/4)");
    return runDebugfs(this.#debugfs, image, commands, { write });
  }

  async list(image: string, dir: string): Promise<GuestEntry[]> {
    const [info] = await this.stat(image, [dir]);
    if (!info) throw new ConnectorError("not-found", `no '${dir}' in the file system`);
    if (info.type !== "directory") throw new ConnectorError("bad-argument", `'${dir}' is a ${info.type}, not a directory`);
    const { outputs } = await this.#run(image, [`ls -p ${quote(dir)}`]);
    return (outputs[0] ?? "").split("\n").flatMap((line) => parseListLine(dir, line) ?? []);
  }

  async stat(image: string, paths: readonly string[]): Promise<(GuestFile | undefined)[]> {
    const found: (GuestFile | undefined)[] = [];
    for (let at = 0; at < paths.length; at += BATCH) {
      const batch = paths.slice(at, at + BATCH);
      const { outputs } = await this.#run(
        image,
        batch.map((p) => `stat ${quote(p)}`),
      );
      for (const [i, path] of batch.entries()) found.push(parseStat(path, outputs[i] ?? ""));
    }
    // A target of 60 bytes or more is stored in a data block: `cat` prints it (without a line
    // break, so one run each: the next command's echo would join its line).
    for (const f of found) {
      if (f?.type !== "symlink" || f.linkTarget !== undefined) continue;
      const { outputs } = await this.#run(image, [`cat ${quote(f.path)}`]);
      f.linkTarget = (outputs[0] ?? "").replace(/\n$/, "");
    }
    return found;
  }

  async extract(image: string, files: readonly { path: string; to: string }[]): Promise<void> {
    for (let at = 0; at < files.length; at += BATCH) {
      const batch = files.slice(at, at + BATCH);
      const { errors } = await this.#run(
        image,
        batch.map((f) => `dump ${quote(f.path)} ${quote(f.to)}`),
      );
      if (errors.length > 0) throw new ConnectorError("corrupt", `reading files from the copy failed: ${errors.slice(0, 3).join("; ")}`);
    }
  }

  async apply(image: string, writes: readonly GuestWrite[]): Promise<void> {
    const commands = writes.flatMap(commandOf);
    for (let at = 0; at < commands.length; at += BATCH) {
      const { errors } = await this.#run(image, commands.slice(at, at + BATCH), true);
      // `write` reports the inode it allocated on stdout; anything on stderr is a failure.
      if (errors.length > 0) throw new ConnectorError("conflict", `writing into the file system failed: ${errors.slice(0, 3).join("; ")}`);
    }
  }
}
