// Protection jobs: a policy assigned to a VM. Run now, suspend and resume each answer 202 with
// an async operation, followed live here; assigning a policy creates a job the same way.
import { useState } from "preact/hooks";
import { describeError, list, send } from "../api.ts";
import { Badge, Failure, Field, Load, OperationFollow, PageTitle, TableBox } from "../components.tsx";
import { ago, dateTime } from "../format.ts";
import { Link } from "../router.tsx";
import type { Session } from "../session.ts";
import { PATHS, type Policy, type ProtectionJob, type Vm } from "../types.ts";
import { useLoad } from "../use-load.ts";

export function Jobs({ session }: { session: Session }) {
  const jobs = useLoad(() => list<ProtectionJob>(session, PATHS.jobs, { sort: "assetInfo/name" }), [session]);
  const [followed, setFollowed] = useState<{ label: string; location: string }>();
  const [error, setError] = useState<unknown>();

  const act = async (job: ProtectionJob, action: "run" | "suspend" | "resume") => {
    setError(undefined);
    try {
      const sent = await send(session, "POST", `${PATHS.jobs}/${job.id}/${action}`, {});
      if (sent.operation) setFollowed({ label: `${action} ${job.assetInfo?.name ?? job.id}`, location: sent.operation });
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <PageTitle title="Protection jobs" />
      <AssignPolicy session={session} onStarted={(f) => setFollowed(f)} />
      {followed ? (
        <section class="card" aria-labelledby="followed">
          <h2 id="followed">{followed.label}</h2>
          <OperationFollow session={session} location={followed.location} onDone={jobs.reload} />
        </section>
      ) : null}
      {error !== undefined ? <Failure error={error} /> : null}
      <Load state={jobs} what="Protection jobs">
        {(page) =>
          page.items.length === 0 ? (
            <p class="muted">No protection job yet: assign a policy to a VM above.</p>
          ) : (
            <TableBox label="Protection jobs">
              <thead>
                <tr>
                  <th scope="col">Protects</th>
                  <th scope="col">Policy</th>
                  <th scope="col">State</th>
                  <th scope="col">Schedules</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((j) => {
                  const schedules = (j.protections ?? []).flatMap((p) => (p.schedules ?? []).map((s) => ({ ...s, type: p.type })));
                  return (
                    <tr key={j.id}>
                      <th scope="row">{j.assetInfo?.id ? <Link href={`/inventory/${j.assetInfo.id}`}>{j.assetInfo.name ?? j.assetInfo.id}</Link> : "–"}</th>
                      <td>{j.protectionPolicyInfo?.name ?? "–"}</td>
                      <td>
                        <Badge value={j.operational} />
                      </td>
                      <td>
                        <ul class="plain">
                          {schedules.map((s) => {
                            const last = s.executionStatuses?.[0];
                            return (
                              <li key={s.scheduleId}>
                                {s.name ?? `${s.type} #${s.scheduleId}`}: next {dateTime(s.nextRunTime)}
                                {last ? (
                                  <>
                                    , last <Badge value={last.status} /> {ago(last.timestamp)}
                                  </>
                                ) : null}
                              </li>
                            );
                          })}
                        </ul>
                      </td>
                      <td class="actions">
                        <button type="button" onClick={() => act(j, "run")}>
                          Run now
                        </button>
                        {j.operational === "SUSPENDED" || j.operational === "PARTIALLY_SUSPENDED" ? (
                          <button type="button" class="secondary" onClick={() => act(j, "resume")}>
                            Resume
                          </button>
                        ) : (
                          <button type="button" class="secondary" onClick={() => act(j, "suspend")}>
                            Suspend
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </TableBox>
          )
        }
      </Load>
    </>
  );
}

function AssignPolicy({ session, onStarted }: { session: Session; onStarted: (f: { label: string; location: string }) => void }) {
  const choices = useLoad(
    () => Promise.all([list<Vm>(session, PATHS.vms, { sort: "name", select: "id,name" }), list<Policy>(session, PATHS.policies, { sort: "name", select: "id,name" })]),
    [session],
  );
  const [vm, setVm] = useState(() => new URLSearchParams(location.search).get("vm") ?? "");
  const [policy, setPolicy] = useState("");
  const [error, setError] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      const sent = await send(session, "POST", PATHS.jobs, { assetInfo: { id: vm, type: "virtualization/virtual-machine" }, protectionPolicyId: policy });
      const name = choices.data?.[0].items.find((v) => v.id === vm)?.name ?? vm;
      if (sent.operation) onStarted({ label: `Protect ${name}`, location: sent.operation });
    } catch (err) {
      setError(describeError(err));
    }
  };
  return (
    <form class="card assign" onSubmit={submit} aria-labelledby="assign-title">
      <h2 id="assign-title">Assign a policy</h2>
      <Load state={choices} what="VMs and policies">
        {([vms, policies]) => (
          <div class="row">
            <Field label="Virtual machine">
              <select required value={vm} onChange={(e) => setVm(e.currentTarget.value)}>
                <option value="">Choose a VM…</option>
                {vms.items.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.name}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Policy">
              <select required value={policy} onChange={(e) => setPolicy(e.currentTarget.value)}>
                <option value="">Choose a policy…</option>
                {policies.items.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            </Field>
            <button type="submit">Protect</button>
          </div>
        )}
      </Load>
      {error ? (
        <p class="notice error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}
