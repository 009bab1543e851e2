// `obr lab create|churn|put-file|import-vm`: make a lab hypervisor in <data dir>/lab, or act on one as its
// guests or its administrator would, outside the API. The server opens a lab when a registration
// names it, and sees later changes on its next refresh
// (POST /virtualization/v1beta1/hypervisor-managers/{id}/refresh).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Command, Option } from "commander";
import type { Config } from "../config/config.ts";
import { formatChurnResult } from "../connectors/lab/churn.ts";
import { createDemoLab, formatDemoLabSummary } from "../connectors/lab/demo-lab.ts";
import { addDemoTopology } from "../connectors/lab/demo-topology.ts";
import { checkImportSource } from "../connectors/lab/import-image.ts";
import { LabConnector, initLab } from "../connectors/lab/lab-connector.ts";
import { mutateLabState } from "../connectors/lab/lab-state.ts";
import { labDirFor } from "../connectors/registry.ts";
import { AppError } from "../domain/app-error.ts";
import { escapeForTerminal } from "../domain/names.ts";
import { LAB_SCHEME, parseManagerAddress } from "../domain/network-address.ts";
import { embeddedDataOrchestratorId } from "../services/inventory/data-orchestrators.ts";
import type { ConfigFrom } from "./config-from.ts";

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

/** Builds the lab: the demo VMs (as on first start) or the infrastructure only. 409 if it exists. */
async function createLab(labRoot: string, rawName: string, empty: boolean) {
  // The name must make a registrable address, so the API's own check decides.
  const { name, address } = parseManagerAddress(`${LAB_SCHEME}${rawName}`);
  if (!empty) {
    const summary = await createDemoLab(labRoot, name);
    return { address, labDir: summary.labDir, vms: summary.vms.length, summary, text: formatDemoLabSummary(summary) };
  }
  const labDir = join(labRoot, name);
  await initLab(labDir, name);
  await mutateLabState(labDir, (state) => void addDemoTopology(state));
  const inventory = await new LabConnector(labDir, address).discover();
  const text = `lab vCenter ${name} (${address}) in ${labDir}: ${inventory.hosts.length} hosts, ${inventory.datastores.length} datastores, no VMs`;
  return { address, labDir, vms: 0, text };
}

/** How to register the new lab; every workspace registers through its own embedded data orchestrator. */
function registrationHint(config: Config, address: string, workspaceId: string | undefined): string {
  const orchestrator = workspaceId ? embeddedDataOrchestratorId(workspaceId) : "<dataOrchestratorId of your workspace: obr info>";
  const host = config.listenHost.includes(":") ? `[${config.listenHost}]` : config.listenHost;
  const url = `${config.tlsCert ? "https" : "http"}://${host}:${config.listenPort}/backup-recovery/v1alpha1/hypervisor-managers`;
  const body = { networkAddress: address, hypervisorManagerType: "VMWARE_VCENTER", dataOrchestratorId: orchestrator, credentials: { username: "administrator@vsphere.local" } };
  return [
    "Register it with a token of the workspace that will own it (a lab belongs to one workspace):",
    `  curl -si -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
    `    -d '${JSON.stringify(body)}' \\`,
    `    ${url}`,
  ].join("\n");
}

function fail(err: unknown): never {
  process.stderr.write(`obr lab: ${escapeForTerminal(err instanceof Error ? err.message : String(err))}\n`);
  process.exit(1);
}

export function labCommand(configFrom: ConfigFrom): Command {
  const lab = new Command("lab").description("create a lab hypervisor in <data dir>/lab, or act on one (guest activity, VM import)");
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
    .command("put-file")
    .description("write a file into a VM's disk file system as its guest would (parent folders made, an existing file replaced)")
    .requiredOption("--vm <id|name>", "the virtual machine")
    .requiredOption("--path <guest path>", "absolute path in the guest, e.g. /etc/app.conf")
    .requiredOption("--from <file>", "local file whose content is written")
    .option("--disk <n>", "the VM's disk, numbered from 0", (v) => Number.parseInt(v, 10), 0)
    .option("--mode <octal>", "permission bits", (v) => Number.parseInt(v, 8), 0o644)
    .action(async (opts: { vm: string; path: string; from: string; disk: number; mode: number }, cmd: Command) => {
      try {
        const connector = labFrom(cmd, configFrom);
        const vm = await connector.getVm(await vmIdOf(connector, opts.vm));
        const disk = vm.disks[opts.disk];
        if (!disk) throw AppError.badRequest(`--disk: ${vm.name} has ${vm.disks.length} disk(s), numbered from 0`);
        const data = await readFile(opts.from);
        await connector.writeGuestFiles(vm.id, disk.id, [{ path: opts.path, data, mode: opts.mode, modifiedAt: new Date().toISOString() }]);
        process.stdout.write(`wrote ${data.length} bytes to ${escapeForTerminal(opts.path)} on ${disk.label} of ${escapeForTerminal(vm.name)}\n`);
      } catch (err) {
        fail(err);
      }
    });

  lab
    .command("create <name>")
    .description("create a lab vCenter in <data dir>/lab/<name> for a workspace to register as lab://<name>")
    .option("--empty", "datacenter, cluster, hosts, datastores and networks, but no VMs")
    .option("--workspace <id>", "the workspace that will register it: print its dataOrchestratorId in the example")
    .option("--json", "print JSON")
    .action(async (name: string, opts: { empty?: boolean; workspace?: string; json?: boolean }, cmd: Command) => {
      try {
        const config = configFrom(cmd);
        const created = await createLab(join(config.dataDir, "lab"), name, opts.empty === true);
        if (opts.json) return void process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
        process.stdout.write(`${created.text}\n\n${registrationHint(config, created.address, opts.workspace)}\n`);
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
        for (const disk of opts.disk) await checkImportSource(disk, configFrom(cmd).dataDir);
        const vm = await connector.importVm({ diskPath: opts.disk, ...(opts.name ? { name: opts.name } : {}), ...(opts.datastore ? { datastore: opts.datastore } : {}) });
        if (opts.json) return void process.stdout.write(`${JSON.stringify(vm, null, 2)}\n`);
        const disks = vm.disks.map((d) => `${(d.capacityBytes / MiB).toFixed(0)} MiB`).join(" + ");
        process.stdout.write(`created ${escapeForTerminal(vm.name)} (${vm.id}) in ${connector.address}: disks ${disks}\n`);
        process.stdout.write("refresh the hypervisor manager to see it in the API\n");
      } catch (err) {
        fail(err);
      }
    });
  return lab;
}
