// The restore wizard: a copy -> over the original VM (PARENT), as a new VM (ALTERNATE) or chosen
// files and folders (restore-files) -> where the new VM goes, or the files to restore and where
// -> confirm -> live progress of the restore operation.
import { useState } from "preact/hooks";
import { describeError, list, send } from "../api.ts";
import { Field, Load, OperationFollow, PageTitle } from "../components.tsx";
import { dateTime, TIER_NAMES } from "../format.ts";
import { Link, navigate, type Route } from "../router.tsx";
import type { Session } from "../session.ts";
import { FileBrowser, type FileChoice, FileTarget, fileRestoreBody, METHODS } from "./restore-files.tsx";
import { type Copy, copyKind, type Datastore, type Host, PATHS, type Vm } from "../types.ts";
import { useLoad } from "../use-load.ts";

const STEPS = ["Copy", "Restore as", "Target", "Confirm", "Progress"] as const;

interface Target {
  name: string;
  hostId: string;
  datastoreId: string;
  powerOn: boolean;
}

export function Restore({ session, route }: { session: Session; route: Route }) {
  const vmId = route.query.get("vm") ?? "";
  const [step, setStep] = useState(0);
  const [copy, setCopy] = useState<Copy | undefined>();
  const [restoreType, setRestoreType] = useState<"PARENT" | "ALTERNATE" | "FILES">("ALTERNATE");
  const [files, setFiles] = useState<FileChoice>({ selected: [], targetVmId: "", targetPath: "", retain: false, method: "OVERWRITE" });
  const [target, setTarget] = useState<Target>({ name: "", hostId: "", datastoreId: "", powerOn: false });
  const [operation, setOperation] = useState<string>();
  const [error, setError] = useState<string>();
  const [ended, setEnded] = useState<string>();

  const vms = useLoad(() => list<Vm>(session, PATHS.vms, { sort: "name" }), [session]);
  const vm = vms.data?.items.find((v) => v.id === vmId);
  const copies = useLoad(
    () =>
      vmId
        ? Promise.all([
            list<Copy>(session, PATHS.vmCopies(vmId, "snapshots"), { sort: "pointInTime desc" }),
            list<Copy>(session, PATHS.vmCopies(vmId, "backups"), { sort: "pointInTime desc" }),
          ]).then(([s, b]) => [...s.items, ...b.items])
        : Promise.resolve([]),
    [session, vmId],
  );
  const placement = useLoad(() => Promise.all([list<Host>(session, PATHS.hosts, { sort: "name" }), list<Datastore>(session, PATHS.datastores, { sort: "name" })]), [session]);
  const preselected = route.query.get("copy");
  const chosen = copy ?? copies.data?.find((c) => c.id === preselected);

  const start = async () => {
    if (!chosen || !vm) return;
    setError(undefined);
    const copyRef = copyKind(chosen) === "SNAPSHOT" ? { snapshotId: chosen.id } : { backupId: chosen.id };
    if (restoreType === "FILES") {
      try {
        const sent = await send(session, "POST", PATHS.vmRestoreFiles(vm.id), fileRestoreBody(copyRef, files));
        setOperation(sent.operation);
        setStep(4);
      } catch (err) {
        setError(describeError(err));
      }
      return;
    }
    const body = {
      restoreType,
      ...copyRef,
      ...(restoreType === "ALTERNATE"
        ? {
            targetVmInfo: {
              name: target.name.trim(),
              hostId: target.hostId,
              ...(vm.hypervisorManagerInfo?.id ? { hypervisorManagerId: vm.hypervisorManagerInfo.id } : {}),
              appInfo: { vmware: { datastoreId: target.datastoreId } },
              powerOn: target.powerOn,
            },
          }
        : {}),
    };
    try {
      const sent = await send(session, "POST", PATHS.vmRestore(vm.id), body);
      setOperation(sent.operation);
      setStep(4);
    } catch (err) {
      setError(describeError(err));
    }
  };

  const next = (e: Event) => {
    e.preventDefault();
    if (step === 1 && restoreType === "PARENT") setStep(3);
    else if (step === 1 && restoreType === "FILES") {
      setFiles((f) => ({ ...f, targetVmId: f.targetVmId || vmId }));
      setStep(2);
    } else if (step === 1) {
      // a new VM next to the original: its name and host unless the user chose others
      setTarget((t) => ({ ...t, name: t.name || `${vm?.name ?? "vm"}-restored`, hostId: t.hostId || (vm?.hostInfo?.id ?? "") }));
      setStep(2);
    }
    else if (step === 3) void start();
    else setStep(step + 1);
  };
  const back = () => setStep(step === 3 && restoreType === "PARENT" ? 1 : step - 1);

  return (
    <>
      <PageTitle title="Restore a virtual machine" />
      <ol class="steps" aria-label="Restore steps">
        {STEPS.map((s, i) => (
          <li key={s} aria-current={i === step ? "step" : undefined} class={i < step ? "done" : ""}>
            {s}
          </li>
        ))}
      </ol>
      <form class="card wizard" onSubmit={next}>
        {step === 0 ? (
          <>
            <Load state={vms} what="Virtual machines">
              {(page) => (
                <Field label="Virtual machine">
                  <select required value={vmId} onChange={(e) => navigate(`/restore?vm=${encodeURIComponent(e.currentTarget.value)}`, true)}>
                    <option value="">Choose a VM…</option>
                    {page.items.map((v) => (
                      <option key={v.id} value={v.id}>
                        {v.name}
                      </option>
                    ))}
                  </select>
                </Field>
              )}
            </Load>
            {vmId ? (
              <Load state={copies} what="Copies">
                {(all) =>
                  all.length === 0 ? (
                    <p class="muted">This VM has no copy to restore from yet.</p>
                  ) : (
                    <fieldset>
                      <legend>Copy to restore from</legend>
                      {all.map((c) => (
                        <label class="check block" key={c.id}>
                          <input type="radio" name="copy" required checked={chosen?.id === c.id} onChange={() => setCopy(c)} />
                          {TIER_NAMES[copyKind(c)]} of {dateTime(c.pointInTime ?? c.createdAt)}
                          {"protectionStoreInfo" in c && c.protectionStoreInfo?.name ? <span class="muted"> in {c.protectionStoreInfo.name}</span> : null}
                        </label>
                      ))}
                    </fieldset>
                  )
                }
              </Load>
            ) : null}
          </>
        ) : null}
        {step === 1 ? (
          <fieldset>
            <legend>Restore as</legend>
            <label class="check block">
              <input type="radio" name="restoreType" checked={restoreType === "ALTERNATE"} onChange={() => setRestoreType("ALTERNATE")} />A new virtual machine (ALTERNATE): the original stays as it is
            </label>
            <label class="check block">
              <input type="radio" name="restoreType" checked={restoreType === "PARENT"} onChange={() => setRestoreType("PARENT")} />
              The original virtual machine (PARENT): its disks are overwritten with the copy
            </label>
            <label class="check block">
              <input type="radio" name="restoreType" checked={restoreType === "FILES"} onChange={() => setRestoreType("FILES")} />
              Files and folders: browse the copy and restore the ones you choose into a VM
            </label>
          </fieldset>
        ) : null}
        {step === 2 && restoreType === "FILES" && chosen ? (
          <>
            <FileBrowser session={session} vmId={vmId} copyId={chosen.id} selected={files.selected} onChange={(selected) => setFiles({ ...files, selected })} />
            <Load state={vms} what="Virtual machines">
              {(page) => <FileTarget vms={page.items} choice={files} onChange={setFiles} />}
            </Load>
          </>
        ) : null}
        {step === 2 && restoreType !== "FILES" ? (
          <Load state={placement} what="Hosts and datastores">
            {([hosts, datastores]) => (
              <div class="row">
                <Field label="Name of the new VM">
                  <input required maxLength={80} value={target.name} onInput={(e) => setTarget({ ...target, name: e.currentTarget.value })} />
                </Field>
                <Field label="Host">
                  <select required value={target.hostId} onChange={(e) => setTarget({ ...target, hostId: e.currentTarget.value })}>
                    <option value="">Choose a host…</option>
                    {hosts.items.map((h) => (
                      <option key={h.id} value={h.id}>
                        {h.name}
                      </option>
                    ))}
                  </select>
                </Field>
                <Field label="Datastore">
                  <select required value={target.datastoreId} onChange={(e) => setTarget({ ...target, datastoreId: e.currentTarget.value })}>
                    <option value="">Choose a datastore…</option>
                    {datastores.items.map((d) => (
                      <option key={d.id} value={d.id}>
                        {d.name}
                      </option>
                    ))}
                  </select>
                </Field>
                <label class="check">
                  <input type="checkbox" checked={target.powerOn} onChange={(e) => setTarget({ ...target, powerOn: e.currentTarget.checked })} />
                  Power on after the restore
                </label>
              </div>
            )}
          </Load>
        ) : null}
        {step === 3 ? (
          <dl class="facts">
            <dt>From</dt>
            <dd>{chosen ? `${TIER_NAMES[copyKind(chosen)]} of ${dateTime(chosen.pointInTime ?? chosen.createdAt)}` : "–"}</dd>
            <dt>Of</dt>
            <dd>{vm?.name ?? vmId}</dd>
            {restoreType === "FILES" ? (
              <>
                <dt>Files</dt>
                <dd>{files.selected.join(", ")}</dd>
                <dt>Into</dt>
                <dd>
                  {vms.data?.items.find((v) => v.id === files.targetVmId)?.name ?? files.targetVmId}, {files.targetPath.trim() ? `under ${files.targetPath.trim()}` : "each back where it was"}
                </dd>
                <dt>If the name is taken</dt>
                <dd>{METHODS[files.method]}</dd>
              </>
            ) : (
              <>
                <dt>As</dt>
                <dd>{restoreType === "PARENT" ? `the original VM ${vm?.name ?? ""}, overwritten` : `a new VM "${target.name}"`}</dd>
              </>
            )}
            {restoreType === "ALTERNATE" ? (
              <>
                <dt>On</dt>
                <dd>
                  {placement.data?.[0].items.find((h) => h.id === target.hostId)?.name}, {placement.data?.[1].items.find((d) => d.id === target.datastoreId)?.name}
                  {target.powerOn ? ", powered on" : ""}
                </dd>
              </>
            ) : null}
          </dl>
        ) : null}
        {step === 4 && operation ? <OperationFollow session={session} location={operation} onDone={setEnded} /> : null}
        {ended === "SUCCEEDED" ? (
          <p>
            {restoreType === "ALTERNATE" ? (
              <Link href={`/inventory?q=${encodeURIComponent(target.name.trim())}`}>See {target.name.trim()} in the inventory</Link>
            ) : restoreType === "FILES" ? (
              <Link href={`/inventory/${encodeURIComponent(files.targetVmId)}`}>Go to {vms.data?.items.find((v) => v.id === files.targetVmId)?.name ?? "the VM"}</Link>
            ) : (
              <Link href={`/inventory/${encodeURIComponent(vmId)}`}>Back to {vm?.name ?? "the VM"}</Link>
            )}
          </p>
        ) : null}
        {error ? (
          <p class="notice error" role="alert">
            {error}
          </p>
        ) : null}
        {step < 4 ? (
          <div class="row">
            {step > 0 ? (
              <button type="button" class="secondary" onClick={back}>
                Back
              </button>
            ) : null}
            <button type="submit" disabled={(step === 0 && !chosen) || (step === 2 && restoreType === "FILES" && files.selected.length === 0)}>
              {step === 3 ? "Restore" : "Next"}
            </button>
          </div>
        ) : null}
      </form>
    </>
  );
}
