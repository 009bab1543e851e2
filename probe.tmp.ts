import { S3Requests } from "./src/store/backends/s3-requests.ts";
import { S3Backend } from "./src/store/backends/s3.ts";
import { makeS3Client } from "./src/store/backends/s3-client.ts";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { ProtectionStore } from "./src/store/index.ts";
const orig = S3Requests.prototype.run;
let stats = new Map<string, { n: number; ms: number; max: number; first: number; last: number }>();
let inflight = 0, maxIn = 0;
let t00 = performance.now();
S3Requests.prototype.run = async function (op, key, fn) {
  const t0 = performance.now();
  inflight++; maxIn = Math.max(maxIn, inflight);
  try { return await orig.call(this, op, key, fn); } finally {
    inflight--;
    const ms = performance.now() - t0;
    const k = `${op} ${key.split("/")[0]}`;
    const s = stats.get(k) ?? { n: 0, ms: 0, max: 0, first: t0 - t00, last: 0 };
    s.n++; s.ms += ms; s.max = Math.max(s.max, ms); s.last = performance.now() - t00; stats.set(k, s);
  }
};
const bucket = `bt${Date.now()}`;
const t = { endpoint: process.env.S3_ENDPOINT, region: "us-east-1", bucket, credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! } };
await makeS3Client(t, {}).send(new CreateBucketCommand({ Bucket: bucket }));
const s = await ProtectionStore.createOn(new S3Backend(t));
const src = await ProtectionStore.open(process.argv[2]!);
const ids = (await src.listBackups()).map((b) => b.backupId).sort();
for (const id of ids) {
  stats = new Map(); maxIn = 0; t00 = performance.now();
  const r = await src.copyBackup(id, s);
  console.log("copy", id, (performance.now() - t00).toFixed(0), "ms; max in flight", maxIn, "bytes", r.bytesCopied);
  for (const [op, v] of stats) console.log(" ", op.padEnd(22), v.n, "avg", (v.ms / v.n).toFixed(0), "max", v.max.toFixed(0), "span", v.first.toFixed(0), "-", v.last.toFixed(0));
}
await s.close();
