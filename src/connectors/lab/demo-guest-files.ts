// The files on a demo VM's first disk (an ext4 file system): a small, realistic tree of
// configuration, logs, home directories and application data, deterministic for a seed. The log
// is compressible text and the data files incompressible, so the disk still holds the three
// kinds of content backups meet (the rest is free space: zeros).
import { incompressibleBytes } from "./content.ts";
import type { GuestTreeFile } from "./guest-tree.ts";

const MiB = 1024 * 1024;
/** When the demo's files were last written: a fixed time, so every build looks the same. */
const WRITTEN = "2026-11-25T03:00:00.000Z";

/** `length` bytes of log text from the demo's text pool, stamped every 4 KiB so no two blocks dedup. */
function logText(pool: Buffer, label: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0; at < length; at += pool.length) pool.copy(out, at, 0, Math.min(pool.length, length - at));
  for (let at = 0; at < length; at += 4096) out.write(`#${label}@${at}#`, at);
  return out;
}

/** `textPool`: compressible text (content.ts compressibleBytes), shared by every demo VM. */
export function demoGuestFiles(vmName: string, osName: string, seed: number, capacityBytes: number, textPool: Buffer): GuestTreeFile[] {
  // About 6% of the disk each for text and for data, at least 1 MiB.
  const share = Math.max(MiB, Math.floor((capacityBytes * 0.06) / MiB) * MiB);
  const text = (s: string) => Buffer.from(s);
  const file = (path: string, data: Uint8Array, mode = 0o644): GuestTreeFile => ({ path, data, mode, modifiedAt: WRITTEN });
  return [
    file("/etc/hostname", text(`${vmName}\n`)),
    file("/etc/hosts", text(`127.0.0.1 localhost\n127.0.1.1 ${vmName}\n`)),
    file("/etc/os-release", text(`PRETTY_NAME="${osName}"\n`)),
    file("/etc/app.conf", text(`# ${vmName} application settings\nlisten = 0.0.0.0:8080\npool_size = 16\nlog_level = info\n`)),
    file("/etc/app/secrets.env", text(`DB_PASSWORD=demo-${seed}\n`), 0o600),
    file("/var/log/app.log", logText(textPool, `${vmName}/app.log`, share)),
    file("/var/log/app.log.1", logText(textPool, `${vmName}/app.log.1`, Math.max(MiB, share / 4))),
    file("/var/lib/app/data.bin", incompressibleBytes(`${seed}/data`, share)),
    file("/home/alice/notes.txt", text("Remember: backups run nightly.\n")),
    file("/home/alice/reports/2026-11.csv", text(`day,orders\n${Array.from({ length: 30 }, (_, i) => `${i + 1},${(seed * (i + 7)) % 997}`).join("\n")}\n`)),
    file("/home/bob/.profile", text("export PATH=$HOME/bin:$PATH\n")),
    { path: "/home/alice/current-report", linkTarget: "reports/2026-11.csv" },
  ];
}
