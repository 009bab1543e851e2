// `obr store repair-index|verify <store dir>`: diagnose and repair a protection store directly
// on disk, outside the API (the store must not be in use by a GC meanwhile; backups may run).
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { ProtectionStore } from "../store/index.ts";
import type { OpenOptions, RepairReport, VerifyReport } from "../store/index.ts";

interface KeyOpts {
  passphraseFile?: string;
  keyFile?: string;
}

function keysFrom(opts: KeyOpts): OpenOptions {
  // a passphrase file's trailing newline (echo pw > file) is not part of the passphrase
  if (opts.passphraseFile) return { passphrase: readFileSync(opts.passphraseFile, "utf8").replace(/\r?\n$/, "") };
  return opts.keyFile ? { keyFile: opts.keyFile } : {};
}

function fail(err: unknown): never {
  process.stderr.write(`obr store: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

function withKeyOptions(cmd: Command): Command {
  return cmd.option("--passphrase-file <file>", "file holding the store's passphrase (encrypted stores)").option("--key-file <file>", "the store's key file (encrypted stores)").option("--json", "print JSON");
}

/** Progress on stderr, at most every 5 % (and at the end), so a pipe or a log stays short. */
function progressPrinter(what: string): (done: number, total: number) => void {
  let shown = -1;
  return (done, total) => {
    const pct = total === 0 ? 100 : Math.floor((done * 100) / total);
    if (pct < shown + 5 && done !== total) return;
    shown = pct;
    process.stderr.write(`${what}: ${done}/${total} packs (${pct}%)\n`);
  };
}

function formatRepair(r: RepairReport): string {
  const lines = [`${r.packs} packs, ${r.packsScanned} of them without a readable index (trailer read); ${r.indexesWritten} index blob(s) rebuilt from pack trailers`];
  for (const k of r.removedIndexes) lines.push(`replaced unreadable ${k}`);
  for (const u of r.unrecoverable) lines.push(`NOT RECOVERED: pack ${u.pack}: ${u.reason}`);
  lines.push(r.unrecoverable.length === 0 ? "index repaired; run `obr store verify` to check the backups" : "some packs could not be re-indexed: `obr store verify` names the backups that lost chunks");
  return lines.join("\n");
}

function formatVerify(v: VerifyReport): string {
  const lines = [`${v.full ? "full" : "quick"} verify: ${v.backupsChecked} backups, ${v.chunksChecked} chunks: ${v.ok ? "OK" : "DAMAGED"}`];
  const who = (b: readonly string[]) => (b.length > 0 ? ` (backups: ${b.join(", ")})` : "");
  for (const d of v.damaged) lines.push(`chunk ${d.chunkId} ${d.problem}: ${d.reason}${who(d.backups)}`);
  for (const p of v.damagedPacks) lines.push(`pack ${p.pack} ${p.problem}: ${p.reason}${who(p.backups)}`);
  for (const i of v.unreadableIndexes) lines.push(`index ${i.key} unreadable: ${i.reason}${who(i.backups)}`);
  for (const b of v.unreadableBackups) lines.push(`backup ${b.backupId} unreadable: ${b.reason}`);
  for (const p of v.missingParents) lines.push(`parent ${p.backupId} missing (deleted or lost)${who(p.backups)}`);
  return lines.join("\n");
}

export function storeCommand(): Command {
  const store = new Command("store").description("diagnose and repair a protection store directory");

  withKeyOptions(store.command("repair-index").description("rebuild lost or damaged index blobs from the packs' trailers").argument("<store dir>")).action(async (dir: string, opts: KeyOpts & { json?: boolean }) => {
    try {
      const s = await ProtectionStore.open(dir, keysFrom(opts));
      try {
        const report = await s.repairIndex({ onProgress: progressPrinter("reading pack trailers") });
        process.stdout.write(`${opts.json ? JSON.stringify(report, null, 2) : formatRepair(report)}\n`);
        if (report.unrecoverable.length > 0) process.exitCode = 1;
      } finally {
        await s.close();
      }
    } catch (err) {
      fail(err);
    }
  });

  withKeyOptions(store.command("verify").description("check every backup's chunks (exit code 1 when damaged)").argument("<store dir>"))
    .option("--full", "re-read and re-hash every chunk (default: check presence, pack sizes and trailers)")
    .action(async (dir: string, opts: KeyOpts & { json?: boolean; full?: boolean }) => {
      try {
        const s = await ProtectionStore.open(dir, keysFrom(opts));
        try {
          const report = await s.verify({ full: opts.full === true });
          process.stdout.write(`${opts.json ? JSON.stringify(report, null, 2) : formatVerify(report)}\n`);
          if (!report.ok) process.exitCode = 1;
        } finally {
          await s.close();
        }
      } catch (err) {
        fail(err);
      }
    });
  return store;
}
