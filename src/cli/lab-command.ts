// `obr lab churn|import-vm`: act on a lab hypervisor in <data dir>/lab as its guests or its
// administrator would, outside the API. The server sees the result on its next refresh
// (POST /virtualization/v1beta1/hypervisor-managers/{id}/refresh).
import { join } from "node:path";
import { Command, Option } from "commander";
import { formatChurnResult } from "../connectors/lab/churn.ts";
import { LabConnector } from "../connectors/lab/lab-connector.ts";
import { labDirFor } from "../connectors/registry.ts";
import { AppError } from "../domain/app-error.ts";
import type { ConfigFrom } from "./program.ts";

const MiB = 1024 * 1024;

function labFrom(cmd: Command, configFrom: ConfigFrom): LabConnector {
  const config = configFrom(cmd);
  const name = (cmd.optsWithGlobals() as { lab: string }).lab;
  const address = `lab://${name}`;
  return new LabConnector(labDirFor(join(config.dataDir, "lab"), address), address);
}

/** A VM by id or by name. */
async function vmIdOf(lab: LabConnector, idOrName: string): Promise<string> {
  const vms = (await lab.discover()).vms;
  const vm = vms.find((v) => v.id === idOrName) ?? vms.find((v) => v.name === idOrName);
  if (!vm) throw AppError.notFound(`no virtual machine '${idOrName}' in ${lab.address}`);
  return vm.id;
}

function fail(err: unknown): never {
  process.stderr.write(`obr lab: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

export function labCommand(configFrom: ConfigFrom): Command {
  const lab = new Command("lab").description("act on a lab hypervisor in <data dir>/lab (guest activity, VM import)");
  lab.addOption(new Option("--lab <name>", "lab name (the vCenter registered as lab://<name>)").default("demo"));

  lab
    .command("churn")
    .description("rewrite a share of a VM's disks as its guest would (recorded for changed-block tracking)")
    .requiredOption("--vm <id|name>", "the virtual machine")
    .requiredOption("--percent <n>", "share of each disk to rewrite, 0-100", Number.parseFloat)
    .option("--seed <n>", "seed for a reproducible run", (v) => Number.parseInt(v, 10))
    .option("--json", "print JSON")
    .action(async (opts: { vm: string; percent: number; seed?: number; json?: boolean }, cmd: Command) => {
      try {
        const connector = labFrom(cmd, configFrom);
        const result = await connector.churn(await vmIdOf(connector, opts.vm), { percent: opts.percent, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) });
        if (opts.json) return void process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        process.stdout.write(`${formatChurnResult(result)}\n`);
      } catch (err) {
        fail(err);
      }
    });

  lab
    .command("import-vm")
    .description("create a lab VM from your own disk images (raw; other formats through qemu-img)")
    .requiredOption("--disk <file...>", "disk image(s), one lab disk each")
    .option("--name <name>", "VM name (default: the first image's file name)")
    .option("--datastore <id|name>", "datastore for the disks")
    .option("--json", "print JSON")
    .action(async (opts: { disk: string[]; name?: string; datastore?: string; json?: boolean }, cmd: Command) => {
      try {
        const connector = labFrom(cmd, configFrom);
        const vm = await connector.importVm({ diskPath: opts.disk, ...(opts.name ? { name: opts.name } : {}), ...(opts.datastore ? { datastore: opts.datastore } : {}) });
        if (opts.json) return void process.stdout.write(`${JSON.stringify(vm, null, 2)}\n`);
        const disks = vm.disks.map((d) => `${(d.capacityBytes / MiB).toFixed(0)} MiB`).join(" + ");
        process.stdout.write(`created ${vm.name} (${vm.id}) in ${connector.address}: disks ${disks}\n`);
        process.stdout.write("refresh the hypervisor manager to see it in the API\n");
      } catch (err) {
        fail(err);
      }
    });
  return lab;
}
