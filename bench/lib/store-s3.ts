// bench:store's S3 rows, on one throwaway RGW (test/helpers/rgw.ts) started for the run:
// (a) the full backup straight into an S3-backed store beside `restic backup` to an S3
// repository on the same RGW; (b) the full and then the clustered changed-range incremental
// copied from a local store into S3 (copyBackup) beside `restic copy` of the same two snapshots
// from a local repository into an S3 one initialised with the local one's chunker parameters.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startRgw, stopRgw } from "../../test/helpers/rgw.ts";
import { S3Backend } from "../../src/store/backends/s3.ts";
import { forEachLimit } from "../../src/store/concurrency.ts";
import type { BenchImages } from "./bench-images.ts";
import type { Measured } from "./measure.ts";
import { measure } from "./measure.ts";

export interface S3BenchContext {
  root: string;
  imgs: BenchImages;
  size: number;
  /** runs bench/lib/obr-op.ts with these arguments and environment */
  obrOp(args: string[], env: Record<string, string>, warm?: string[]): Measured;
  record(op: string, tool: string, m: Measured, bytes: number, stored: number): void;
}

export interface S3Check {
  ok: boolean;
  text: string;
}

/** Runs the S3 rows; returns the checks that are not throughput ratios (bytes an incremental copy moves). */
export async function runS3Rows(ctx: S3BenchContext): Promise<S3Check[]> {
  const dir = join(ctx.root, "s3");
  rmSync(dir, { recursive: true, force: true });
  // memstore: data in the OSD's memory (about twice what is stored); buckets are emptied between phases
  const rgw = await startRgw({ memstoreBytes: 6 * 2 ** 30 });
  try {
    const credentials = { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey };
    const bucketOf = (bucket: string) => new S3Backend({ endpoint: rgw.endpoint, region: rgw.region, bucket, credentials });
    const bucketBytes = async (bucket: string) => (await bucketOf(bucket).list("")).reduce((n, b) => n + b.size, 0);
    const empty = async (bucket: string) => {
      const b = bucketOf(bucket);
      await forEachLimit(await b.listKeys(""), 16, (k) => b.delete(k));
    };
    const s3Env = { OBR_BENCH_S3_ENDPOINT: rgw.endpoint, AWS_ACCESS_KEY_ID: rgw.accessKeyId, AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey };
    // each tool keeps what it caches of a remote store under the run's directory
    const obrEnv = { ...s3Env, OBR_BENCH_CACHE_DIR: join(dir, "obr-cache") };
    const passFile = join(dir, "restic-pass");
    const resticEnv = { ...s3Env, RESTIC_PASSWORD: "bench", RESTIC_CACHE_DIR: join(dir, "restic-cache") };
    const restic = (args: string[], warm?: string[]) => measure("restic", args, { env: resticEnv, ...(warm ? { warm } : {}) });
    const s3Repo = (bucket: string) => `s3:${rgw.endpoint}/${bucket}`;
    const snapshotOf = (m: Measured) => (JSON.parse(m.stdout.split("\n").find((l) => l.includes('"summary"')) ?? "{}") as { snapshot_id?: string }).snapshot_id ?? "latest";
    const json = <T>(m: Measured) => JSON.parse(m.stdout) as T;
    // bucket creation is not part of what is measured
    const makeBucket = async (bucket: string) => {
      const { CreateBucketCommand } = await import("@aws-sdk/client-s3");
      const { makeS3Client } = await import("../../src/store/backends/s3-client.ts");
      const c = makeS3Client({ endpoint: rgw.endpoint, region: rgw.region, bucket, credentials }, {});
      await c.send(new CreateBucketCommand({ Bucket: bucket }));
      c.destroy();
    };

    // (a) a full backup straight into S3
    await makeBucket("obr-backup");
    ctx.obrOp(["create", "s3:obr-backup"], obrEnv);
    const obrBackup = ctx.obrOp(["backup", "s3:obr-backup", ctx.imgs.day0], obrEnv, [ctx.imgs.day0]);
    ctx.record("backup into S3", "obr", obrBackup, ctx.size, await bucketBytes("obr-backup"));
    await empty("obr-backup");
    restic(["-r", s3Repo("restic-backup"), "init"]);
    const resticBackup = restic(["-r", s3Repo("restic-backup"), "backup", "--json", ctx.imgs.day0], [ctx.imgs.day0]);
    ctx.record("backup into S3", "restic", resticBackup, ctx.size, await bucketBytes("restic-backup"));
    await empty("restic-backup");

    // (b) the full, then the clustered incremental, from a local store / repository into S3
    const local = join(dir, "obr-local");
    ctx.obrOp(["create", local], {});
    const full = json<{ backupId: string }>(ctx.obrOp(["backup", local, ctx.imgs.day0], {}, [ctx.imgs.day0])).backupId;
    const incr = json<{ backupId: string; stats: { newStoredBytes: number } }>(ctx.obrOp(["backup", local, ctx.imgs.clustered, full, ctx.imgs.clusteredRanges], {}, [ctx.imgs.clustered]));
    await makeBucket("obr-copy");
    ctx.obrOp(["create", "s3:obr-copy"], obrEnv);
    const copyFull = ctx.obrOp(["copy", local, full, "s3:obr-copy"], obrEnv, [local]);
    ctx.record("copy full into S3", "obr", copyFull, ctx.size, json<{ bytesCopied: number }>(copyFull).bytesCopied);
    const copyIncr = ctx.obrOp(["copy", local, incr.backupId, "s3:obr-copy"], obrEnv, [local]);
    const incrMoved = json<{ bytesCopied: number }>(copyIncr).bytesCopied;
    ctx.record("copy incr into S3", "obr", copyIncr, ctx.size, incrMoved);
    await empty("obr-copy");

    const localRepo = join(dir, "restic-local");
    writeFileSync(passFile, "bench");
    restic(["-r", localRepo, "init"]);
    const rFull = snapshotOf(restic(["-r", localRepo, "backup", "--json", ctx.imgs.day0], [ctx.imgs.day0]));
    const rIncr = snapshotOf(restic(["-r", localRepo, "backup", "--json", ctx.imgs.clustered], [ctx.imgs.clustered]));
    const from = ["--from-repo", localRepo, "--from-password-file", passFile];
    restic(["-r", s3Repo("restic-copy"), "init", "--copy-chunker-params", ...from]);
    let before = await bucketBytes("restic-copy");
    const rCopyFull = restic(["-r", s3Repo("restic-copy"), "copy", ...from, rFull], [localRepo]);
    ctx.record("copy full into S3", "restic", rCopyFull, ctx.size, (await bucketBytes("restic-copy")) - before);
    before = await bucketBytes("restic-copy");
    const rCopyIncr = restic(["-r", s3Repo("restic-copy"), "copy", ...from, rIncr], [localRepo]);
    ctx.record("copy incr into S3", "restic", rCopyIncr, ctx.size, (await bucketBytes("restic-copy")) - before);

    const ratio = incrMoved / incr.stats.newStoredBytes;
    return [{ ok: ratio <= 1.2, text: `incremental copy moves <= 1.2x what the incremental stored: ${(incrMoved / 2 ** 20).toFixed(1)} / ${(incr.stats.newStoredBytes / 2 ** 20).toFixed(1)} MiB = ${ratio.toFixed(2)}x` }];
  } finally {
    await stopRgw(rgw.dir);
    rmSync(dir, { recursive: true, force: true });
  }
}
