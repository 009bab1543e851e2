// The API's nouns and verbs on the command line (`obr vms list`, `obr jobs run web-01 --wait`),
// all through the SDK against the server of the chosen profile: what a script or a person does
// here is exactly what any GreenLake client could do.
import { readFile } from "node:fs/promises";
import { Command, Option } from "commander";
import type { ObrClient } from "../../sdk/index.ts";
import { walkPages } from "../../sdk/paging.ts";
import { CliError, EXIT } from "./exit-codes.ts";
import { NOUNS, type Noun } from "./nouns.ts";
import { type Column, formatOf, pathValue, print } from "./output.ts";
import { getJson, idOf, idsMatching, isId, quoted, runApiCommand, sendWrite, sessionFor, waitWithProgress } from "./session.ts";

type Env = Record<string, string | undefined>;
interface OutputOpts {
  json?: boolean;
  output?: string;
  profile?: string;
}

const withOutput = (cmd: Command) =>
  cmd.option("--json", "print JSON (whole objects)").addOption(new Option("-o, --output <format>", "table, json or yaml").choices(["table", "json", "yaml"]));
const withWait = (cmd: Command) => cmd.option("--wait", "wait for the operation to end, with a progress bar");

function listQuery(opts: { filter?: string; sort?: string; select?: string; limit?: string }): Record<string, string> {
  const q: Record<string, string> = {};
  if (opts.filter) q.filter = opts.filter;
  if (opts.sort) q.sort = opts.sort;
  if (opts.select) q.select = opts.select;
  return q;
}

/** `list` of a collection path (all pages, or --limit items), printed as the noun's table. */
async function listInto(obr: ObrClient, path: string, opts: OutputOpts & { filter?: string; sort?: string; select?: string; limit?: string }, columns: readonly Column[]) {
  const limit = opts.limit === undefined ? Number.POSITIVE_INFINITY : Number(opts.limit);
  if (!(limit > 0)) throw new CliError(EXIT.USAGE, "--limit must be a positive number");
  const query = new URLSearchParams({ ...listQuery(opts), limit: String(Math.min(limit, 500)) });
  const items: unknown[] = [];
  const pages = walkPages<unknown>(async (offset) => {
    query.set("offset", String(offset));
    const page = await getJson(obr, `${path}?${query}`);
    const pageItems = pathValue(page, "items");
    const total = pathValue(page, "total");
    return { items: Array.isArray(pageItems) ? pageItems : [], ...(typeof total === "number" ? { total } : {}) };
  });
  for await (const item of pages) {
    items.push(item);
    if (items.length >= limit) break;
  }
  print(items, formatOf(opts), opts.select ? opts.select.split(",").map((a) => ({ header: a.toUpperCase(), value: a.trim() })) : columns);
}

function addListAndGet(parent: Command, noun: Noun, env: Env): void {
  withOutput(
    parent
      .command("list")
      .description(`list ${noun.what}s`)
      .option("--filter <expr>", "GreenLake filter (name eq 'web-01')")
      .option("--sort <attrs>", "sort attributes (name desc)")
      .option("--select <attrs>", "attributes to return (id,name)")
      .option("--limit <n>", "at most n items (default: all)"),
  ).action((_opts, cmd: Command) =>
    runApiCommand(`${noun.name} list`, async () => listInto(await sessionFor(env, cmd.optsWithGlobals()), noun.path, cmd.optsWithGlobals(), noun.columns)),
  );
  withOutput(parent.command("get").description(`show one ${noun.what}`).argument("<id>", noun.nameAttr ? "id or name" : "id")).action((idOrName: string, _o, cmd: Command) =>
    runApiCommand(`${noun.name} get`, async () => {
      const obr = await sessionFor(env, cmd.optsWithGlobals());
      const id = noun.nameAttr ? await idOf(obr, noun.path, idOrName, noun.what, noun.nameAttr) : idOrName;
      print(await getJson(obr, `${noun.path}/${encodeURIComponent(id)}`), formatOf({ output: "yaml", ...cmd.optsWithGlobals() }), noun.columns);
    }),
  );
}

const nounNamed = (name: string): Noun => {
  const noun = NOUNS.find((n) => n.name === name);
  if (!noun) throw new Error(`no noun ${name}`);
  return noun;
};

async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = path === "-" ? await new Response(process.stdin).text() : await readFile(path, "utf8");
  } catch (err) {
    throw new CliError(EXIT.USAGE, `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(EXIT.USAGE, `${path} is not valid JSON`);
  }
}

/** Prints what a write answered: the operation when waited for, else the body or the operation's location. */
function printWrite(result: { status: number; location: string | null; body: unknown; operation?: unknown }, opts: OutputOpts, columns: readonly Column[]): void {
  const format = formatOf(opts);
  if (result.operation) print(result.operation, format, nounNamed("operations").columns);
  else if (result.status !== 202) print(result.body ?? {}, format, columns);
  else if (format === "table") process.stdout.write(`accepted: ${result.location ?? "(no location)"}\n`);
  else print({ status: result.status, location: result.location }, format, []);
}

function policiesVerbs(policies: Command, env: Env): void {
  const noun = nounNamed("policies");
  withOutput(policies.command("create").description("create a protection policy from a JSON file").requiredOption("-f, --file <path>", "the policy's JSON (- for stdin)")).action((opts, cmd: Command) =>
    runApiCommand("policies create", async () => {
      const obr = await sessionFor(env, cmd.optsWithGlobals());
      printWrite(await sendWrite(obr, "POST", noun.path, await readJsonFile(opts.file), {}), cmd.optsWithGlobals(), noun.columns);
    }),
  );
  policies
    .command("delete")
    .description("delete a protection policy (not while assigned)")
    .argument("<policy>", "id or name")
    .action((idOrName: string, _o, cmd: Command) =>
      runApiCommand("policies delete", async () => {
        const obr = await sessionFor(env, cmd.optsWithGlobals());
        await sendWrite(obr, "DELETE", `${noun.path}/${await idOf(obr, noun.path, idOrName, noun.what)}`, undefined, {});
      }),
    );
}

/** A protection job given by id, or by the name of the VM it protects. */
async function jobIdOf(obr: ObrClient, jobOrVm: string): Promise<string> {
  if (isId(jobOrVm)) return jobOrVm;
  const ids = await idsMatching(obr, nounNamed("jobs").path, `assetInfo/name eq ${quoted(jobOrVm)}`);
  if (ids.length === 0) throw new CliError(EXIT.NOT_FOUND, `no protection job of a VM named '${jobOrVm}'`);
  if (ids.length > 1) throw new CliError(EXIT.USAGE, `several protection jobs protect '${jobOrVm}': give the job's id`);
  return String(ids[0]);
}

function jobsVerbs(jobs: Command, env: Env): void {
  const noun = nounNamed("jobs");
  const vms = nounNamed("vms");
  const policies = nounNamed("policies");
  withWait(
    withOutput(jobs.command("create").description("assign a protection policy to a VM (starts a first run)").requiredOption("--vm <vm>", "VM id or name").requiredOption("--policy <policy>", "policy id or name")),
  ).action((opts, cmd: Command) =>
    runApiCommand("jobs create", async () => {
      const obr = await sessionFor(env, cmd.optsWithGlobals());
      const body = {
        protectionPolicyId: await idOf(obr, policies.path, opts.policy, policies.what),
        assetInfo: { id: await idOf(obr, vms.path, opts.vm, vms.what), type: "hybrid-cloud/virtual-machine" },
      };
      printWrite(await sendWrite(obr, "POST", noun.path, body, { wait: opts.wait }), cmd.optsWithGlobals(), noun.columns);
    }),
  );
  const action = (verb: "run" | "suspend" | "resume", description: string) => {
    const cmd = withWait(withOutput(jobs.command(verb).description(description).argument("<job>", "job id, or the name of the VM it protects").option("--schedule <ids...>", "schedule ids (default: all)")));
    if (verb === "run") cmd.option("--full", "a full backup instead of an incremental");
    cmd.action((job: string, opts, c: Command) =>
      runApiCommand(`jobs ${verb}`, async () => {
        const obr = await sessionFor(env, c.optsWithGlobals());
          const id = await jobIdOf(obr, job);
          const scheduleIds = opts.schedule ? opts.schedule.map((s: string) => Number(s)) : await allScheduleIds(obr, `${noun.path}/${id}`);
          if (scheduleIds.some((s: number) => !Number.isInteger(s) || s < 1)) throw new CliError(EXIT.USAGE, "--schedule takes schedule ids (whole numbers)");
          const body = verb === "run" ? { scheduleIds, fullBackup: Boolean(opts.full) } : { scheduleIds };
          printWrite(await sendWrite(obr, "POST", `${noun.path}/${id}/${verb}`, body, { wait: opts.wait }), c.optsWithGlobals(), noun.columns);
        }),
    );
  };
  action("run", "run a protection job's schedules now");
  action("suspend", "suspend schedules of a protection job");
  action("resume", "resume suspended schedules of a protection job");
  withWait(jobs.command("delete").description("remove a protection job (copies stay until they expire)").argument("<job>", "job id, or the name of the VM it protects")).action((job: string, opts, cmd: Command) =>
    runApiCommand("jobs delete", async () => {
      const obr = await sessionFor(env, cmd.optsWithGlobals());
      printWrite(await sendWrite(obr, "DELETE", `${noun.path}/${await jobIdOf(obr, job)}`, undefined, { wait: opts.wait }), cmd.optsWithGlobals(), noun.columns);
    }),
  );
}

/** Every schedule id of the job's policy (the job's `protections[].schedules[].scheduleId`). */
async function allScheduleIds(obr: ObrClient, jobPath: string): Promise<number[]> {
  const protections = pathValue(await getJson(obr, jobPath), "protections");
  const ids = new Set<number>();
  for (const protection of Array.isArray(protections) ? protections : []) {
    const schedules = pathValue(protection, "schedules");
    for (const schedule of Array.isArray(schedules) ? schedules : []) {
      const id = pathValue(schedule, "scheduleId");
      if (typeof id === "number") ids.add(id);
    }
  }
  if (ids.size === 0) throw new CliError(EXIT.USAGE, "the job lists no schedules: give --schedule");
  return [...ids].sort((a, b) => a - b);
}

const COPY_COLUMNS: Column[] = [
  { header: "ID", value: "id" },
  { header: "NAME", value: "name" },
  { header: "POINT IN TIME", value: "pointInTime" },
  { header: "STATE", value: "state" },
  { header: "EXPIRES", value: "expiresAt" },
  { header: "LOCKED UNTIL", value: "lockedUntil" },
];

function copiesCommand(kind: "backups" | "snapshots", env: Env): Command {
  const cmd = new Command(kind).description(`${kind} of a VM`);
  const vms = nounNamed("vms");
  withOutput(
    cmd
      .command("list")
      .description(`list a VM's ${kind}`)
      .requiredOption("--vm <vm>", "VM id or name")
      .option("--filter <expr>", "GreenLake filter (backupType eq 'CLOUD_BACKUP')")
      .option("--sort <attrs>", "sort attributes (default pointInTime desc)", "pointInTime desc")
      .option("--select <attrs>", "attributes to return")
      .option("--limit <n>", "at most n items"),
  ).action((opts, c: Command) =>
    runApiCommand(`${kind} list`, async () => {
      const obr = await sessionFor(env, c.optsWithGlobals());
      const vmId = await idOf(obr, vms.path, opts.vm, vms.what);
      const columns = kind === "backups" ? [...COPY_COLUMNS.slice(0, 3), { header: "TYPE", value: "backupType" }, { header: "STORE", value: "protectionStoreInfo/name" }, ...COPY_COLUMNS.slice(3)] : COPY_COLUMNS;
      await listInto(obr, `/backup-recovery/v1beta1/virtual-machines/${vmId}/${kind}`, c.optsWithGlobals(), columns);
    }),
  );
  return cmd;
}

function restoreCommand(env: Env): Command {
  const restore = new Command("restore").description("restore from a snapshot or backup");
  const vms = nounNamed("vms");
  withWait(
    withOutput(
      restore
        .command("vm")
        .description("restore a whole VM: over the original (PARENT) or as a new VM (--alternate)")
        .requiredOption("--vm <vm>", "the VM the copy belongs to (id or name)")
        .option("--backup <id>", "the backup to restore from")
        .option("--snapshot <id>", "the snapshot to restore from")
        .option("--alternate", "restore as a new VM (needs --name)")
        .option("--name <name>", "the new VM's name")
        .option("--power-on", "power the VM on after the restore"),
    ),
  ).action((opts, cmd: Command) =>
    runApiCommand("restore vm", async () => {
      if (Boolean(opts.backup) === Boolean(opts.snapshot)) throw new CliError(EXIT.USAGE, "give exactly one of --backup and --snapshot");
      if (opts.alternate && !opts.name) throw new CliError(EXIT.USAGE, "--alternate needs --name");
      const obr = await sessionFor(env, cmd.optsWithGlobals());
      const vmId = await idOf(obr, vms.path, opts.vm, vms.what);
      const body: Record<string, unknown> = {
        ...(opts.backup ? { backupId: opts.backup } : { snapshotId: opts.snapshot }),
        restoreType: opts.alternate ? "ALTERNATE" : "PARENT",
        ...(opts.alternate ? { targetVmInfo: { name: opts.name, powerOn: Boolean(opts.powerOn) } } : { targetVmInfo: { powerOn: Boolean(opts.powerOn) } }),
      };
      printWrite(await sendWrite(obr, "POST", `/backup-recovery/v1beta1/virtual-machines/${vmId}/restore`, body, { wait: opts.wait }), cmd.optsWithGlobals(), []);
    }),
  );
  return restore;
}

function operationsVerbs(operations: Command, env: Env): void {
  withOutput(operations.command("watch").description("follow an operation with a progress bar until it ends").argument("<id>", "operation id or Location")).action((id: string, _o, cmd: Command) =>
    runApiCommand("operations watch", async () => {
      const obr = await sessionFor(env, cmd.optsWithGlobals());
      print(await waitWithProgress(obr, id, false), formatOf(cmd.optsWithGlobals()), nounNamed("operations").columns);
    }),
  );
}

/** Adds the API commands to the program (into existing commands of the same name: `obr stores`). */
export function addApiCommands(program: Command, env: Env): void {
  program.addOption(new Option("--profile <name>", "login profile for API commands (OBR_PROFILE; default: the last obr login)"));
  const nounCommand = (noun: Noun) => {
    const existing = program.commands.find((c) => c.name() === noun.name);
    if (existing) return existing;
    const cmd = new Command(noun.name).description(noun.description);
    program.addCommand(cmd);
    return cmd;
  };
  for (const noun of NOUNS) addListAndGet(nounCommand(noun), noun, env);
  policiesVerbs(nounCommand(nounNamed("policies")), env);
  jobsVerbs(nounCommand(nounNamed("jobs")), env);
  operationsVerbs(nounCommand(nounNamed("operations")), env);
  program.addCommand(copiesCommand("backups", env));
  program.addCommand(copiesCommand("snapshots", env));
  program.addCommand(restoreCommand(env));
}
