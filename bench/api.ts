// npm run bench:api — HTTP throughput of obr beside a bare Fastify route and a naive hand-written
// route, in the same run on the same machine. Not part of npm test.
//   BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 50), BENCH_OPERATIONS (default 100000),
//   BENCH_ROUNDS (default 1): rounds take turns over the routes, so a noisy spell of the VM lands
//   on all of them; figures are then medians over rounds, ratios the median of each round's ratio.
//   BENCH_VMS (default 100000) virtual machines over BENCH_MANAGERS (default 10) hypervisor
//   managers back the VM page; its query plan is printed for SQLite and, seeded the same way in a
//   throw-away schema, for PostgreSQL at BENCH_PG_URL (skipped with a message when unreachable).
//   After the throughput runs, each route's server CPU per request (Linux /proc, user + system) is
//   measured over a fixed number of requests: unlike req/s, it holds when other work shares the cores.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { seedOperations } from "./lib/seed-operations.ts";
import { seedVirtualMachines, vmPageFilter } from "./lib/seed-virtual-machines.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const operations = Number(process.env.BENCH_OPERATIONS ?? 100_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
const vmCount = Number(process.env.BENCH_VMS ?? 100_000);
const managerCount = Number(process.env.BENCH_MANAGERS ?? 10);
const pgUrl = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const root = join(import.meta.dirname, "..");

function startProcess(args: string[], env: Record<string, string>, readyText: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes(readyText)) resolve(child);
    });
    child.on("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}`)));
  });
}

interface Result {
  name: string;
  /** Server CPU per request, µs (undefined where /proc is not available). */
  cpuUs: number | undefined;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Of the bare route's req/s in the same round. */
  ratio: number;
}

/** The VM page's plan on PostgreSQL: the same seed in a schema dropped afterwards. */
async function postgresPlan(workspaceId: string): Promise<string[]> {
  const admin = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (err) {
    return [`(PostgreSQL at ${pgUrl} unreachable: ${String(err)})`];
  }
  const schema = `obr_bench_${process.pid}`;
  try {
    const url = `${pgUrl}${pgUrl.includes("?") ? "&" : "?"}schema=${schema}`;
    return (await seedVirtualMachines({ ...env, OBR_DATABASE_URL: url }, workspaceId, vmCount, managerCount)).plan;
  } finally {
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** CPU time a process has used, µs: utime + stime of /proc/<pid>/stat (clock ticks of 10 ms). */
async function cpuMicros(pid: number | undefined): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

async function cpuPerRequest(pid: number | undefined, url: string, headers: Record<string, string>, amount: number): Promise<number | undefined> {
  const before = await cpuMicros(pid);
  await autocannon({ url, connections: 10, amount, headers });
  const after = await cpuMicros(pid);
  return before === undefined || after === undefined ? undefined : (after - before) / amount;
}

async function measure(url: string, headers: Record<string, string>) {
  await autocannon({ url, connections, duration: 2, headers }); // warm-up: JIT, caches, pools
  return autocannon({ url, connections, duration: seconds, headers });
}

const dir = await mkdtemp(join(tmpdir(), "obr-bench-api-"));
const env = { OBR_DATA_DIR: dir, OBR_LISTEN: "127.0.0.1:7581", OBR_DEMO: "0", OBR_LOG_LEVEL: "warn" };
const children: ChildProcess[] = [];
try {
  process.stdout.write(`seeding ${operations} async operations...\n`);
  const t0 = Date.now();
  const seed = await seedOperations(env, operations, "bench-client", "bench-secret-0123456789");
  process.stdout.write(`  seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`seeding ${vmCount} virtual machines over ${managerCount} hypervisor managers...\n`);
  const t1 = Date.now();
  const vms = await seedVirtualMachines(env, seed.workspaceId, vmCount, managerCount);
  process.stdout.write(`  seeded in ${((Date.now() - t1) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`VM page query: ${vms.sql}\n  SQLite plan:\n${vms.plan.map((l) => `    ${l}\n`).join("")}`);
  const pgPlan = await postgresPlan(seed.workspaceId);
  process.stdout.write(`  PostgreSQL plan (${vmCount} VMs, analyzed):\n${pgPlan.map((l) => `    ${l}\n`).join("")}`);
  const since = new Date(Date.now() - 15 * 86_400_000).toISOString();

  const peer = await startProcess(["bench/lib/peer-server.ts", "7580", join(dir, "obr.sqlite"), seed.workspaceId], {}, "ready");
  children.push(peer);
  const obr = await startProcess(["src/main.ts", "serve"], env, "obr listening");
  children.push(obr);
  const tokenRes = await fetch("http://127.0.0.1:7581/as/token.oauth2", {
    method: "POST",
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: "bench-client", client_secret: "bench-secret-0123456789" }),
  });
  const { access_token } = (await tokenRes.json()) as { access_token: string };
  const auth = { authorization: `Bearer ${access_token}` };
  const id = seed.ids[Math.floor(seed.ids.length / 2)]!;
  const filter = encodeURIComponent(`state eq 'SUCCEEDED' and createdAt gt '${since}'`);
  const listUrl = `http://127.0.0.1:7581/data-services/v1beta1/async-operations?filter=${filter}&sort=createdAt%20desc&limit=100`;
  const check = (await (await fetch(listUrl, { headers: auth })).json()) as { count: number; total: number };
  process.stdout.write(`  list page: count ${check.count}, total ${check.total}\n`);
  const vmUrl = `http://127.0.0.1:7581/virtualization/v1beta1/virtual-machines?filter=${encodeURIComponent(vmPageFilter(vms.managerIds[0]!))}&sort=name&limit=100`;
  const vmCheck = (await (await fetch(vmUrl, { headers: auth })).json()) as { count: number; total: number };
  process.stdout.write(`  VM page: count ${vmCheck.count}, total ${vmCheck.total}\n\n`);

  // [name, url, headers, the process serving it, requests for the CPU measurement]
  const routes: [name: string, url: string, headers: Record<string, string>, server: ChildProcess, cpuRequests: number][] = [
    ["bare Fastify route", "http://127.0.0.1:7580/bare", {}, peer, 5000],
    ["obr GET async-operation by id (auth)", `http://127.0.0.1:7581/data-services/v1beta1/async-operations/${id}`, auth, obr, 5000],
    ["obr filtered+sorted 100-item page + total", listUrl, auth, obr, 2000],
    ["naive Fastify+better-sqlite3 page + count", `http://127.0.0.1:7580/naive?since=${encodeURIComponent(since)}`, {}, peer, 100],
    ["obr VM page by hypervisorManagerInfo/id + total", vmUrl, auth, obr, 2000],
  ];
  const runs = routes.map(() => [] as autocannon.Result[]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, [, url, headers]] of routes.entries()) runs[i]!.push(await measure(url, headers));
  }
  const cpu: (number | undefined)[] = [];
  for (const [, url, headers, server, amount] of routes) cpu.push(await cpuPerRequest(server.pid, url, headers, amount));
  const bareRuns = runs[0]!;
  const results: Result[] = routes.map(([name], i) => ({
    name,
    cpuUs: cpu[i],
    rps: median(runs[i]!.map((r) => r.requests.average)),
    p50: median(runs[i]!.map((r) => r.latency.p50)),
    p99: median(runs[i]!.map((r) => r.latency.p99)),
    errors: runs[i]!.reduce((n, r) => n + r.errors + r.non2xx, 0),
    ratio: median(runs[i]!.map((r, round) => r.requests.average / bareRuns[round]!.requests.average)),
  }));
  const each = rounds > 1 ? ` x ${rounds} rounds (medians)` : "";
  process.stdout.write(`${connections} connections, ${seconds} s each${each}, ${operations} async operations, ${vmCount} VMs (SQLite)\n\n`);
  process.stdout.write(`${"endpoint".padEnd(48)}${"req/s".padStart(10)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"vs bare".padStart(10)}${"errors".padStart(8)}${"CPU µs/req".padStart(12)}\n`);
  const percent = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;
  for (const r of results) {
    const cpuUs = r.cpuUs === undefined ? "-" : r.cpuUs.toFixed(0);
    process.stdout.write(`${r.name.padEnd(48)}${r.rps.toFixed(0).padStart(10)}${String(r.p50).padStart(9)}${String(r.p99).padStart(9)}${percent(r.ratio).padStart(10)}${String(r.errors).padStart(8)}${cpuUs.padStart(12)}\n`);
  }
  const [, byId, page, naive, vmPage] = results;
  process.stdout.write(`\ntargets: GET by id >= 50 % of bare: ${percent(byId!.ratio)}; page >= 10 % of bare: ${percent(page!.ratio)}`);
  process.stdout.write(`; VM page by manager >= 10 % of bare: ${percent(vmPage!.ratio)}`);
  process.stdout.write(`; page vs naive: ${(page!.rps / naive!.rps).toFixed(2)}x\n`);
  const cpuShare = (r: Result) => (r.cpuUs && results[0]!.cpuUs ? percent(results[0]!.cpuUs / r.cpuUs) : "-");
  process.stdout.write(`bare's server CPU per request as a share of each route's (load-independent): GET by id ${cpuShare(byId!)}, page ${cpuShare(page!)}, VM page ${cpuShare(vmPage!)}\n`);
} finally {
  for (const c of children) c.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 300));
  await rm(dir, { recursive: true, force: true });
}
