// Protection jobs: a policy assigned to a VM. Run now, suspend and resume each answer 202 with
// an async operation, followed live here; assigning a policy creates a job the same way.
import { useCallback, useState } from "preact/hooks";
import { describeError, list, send } from "../api.ts";
import { Badge, Failure, Field, Load, OperationFollow, PageTitle, TableBox } from "../components.tsx";
import { ago, dateTime, TIER_NAMES } from "../format.ts";
import { Link } from "../router.tsx";
import type { Session } from "../session.ts";
import { PATHS, type Policy, type ProtectionJob, type Vm } from "../types.ts";
import { useLoad } from "../use-load.ts";

const ACTION_WORDS = { run: "Run of", suspend: "Suspend", resume: "Resume" } as const;

/** Each schedule of a job: its tier, next run and the newest of its runs (with a link to it). */
export function ScheduleList({ job }: { job: ProtectionJob }) {
  return (
    <ul class="plain">
      {job.protections.flatMap((p) =>
        p.schedules.map((s) => {
          const last = s.executionStatuses?.at(-1);
          const op = last?.taskUri?.split("/").pop();
          return (
            <li key={s.scheduleId}>
              {s.name ?? `${TIER_NAMES[p.type] ?? p.type} #${s.scheduleId}`}: {s.operational === "SUSPENDED" ? <Badge value="SUSPENDED" /> : <>next {dateTime(s.nextRunTime)}</>}
              {last ? (
                <>
                  , last <Badge value={last.status} /> {op ? <Link href={`/operations/${op}`}>{ago(last.timestamp)}</Link> : ago(last.timestamp)}
                </>
              ) : null}
            </li>
          );
        }),
      )}
    </ul>
  );
}

export function Jobs({ session }: { session: Session }) {
  const jobs = useLoad(() => list<ProtectionJob>(session, PATHS.jobs, { sort: "assetInfo/name" }), [session]);
  const [followed, setFollowed] = useState<{ label: string; location: string }>();
  const [error, setError] = useState<unknown>();
  // an operation that ended changed jobs and VMs: both lists load again
  const [round, setRound] = useState(0);
  const reload = jobs.reload;
  const ended = useCallback(() => {
    reload();
    setRound((r) => r + 1);
  }, [reload]);

  const act = async (job: ProtectionJob, action: "run" | "suspend" | "resume") => {
    setError(undefined);
    try {
      const sent = await send(session, "POST", `${PATHS.jobs}/${job.id}/${action}`, {});
      if (sent.operation) setFollowed({ label: `${ACTION_WORDS[action]} ${job.assetInfo.name ?? job.id}`, location: sent.operation });
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <PageTitle title="Protection jobs" />
      <AssignPolicy session={session} round={round} onStarted={(f) => setFollowed(f)} />
      {followed ? (
        <section class="card" aria-labelledby="followed">
          <h2 id="followed">{followed.label}</h2>
          <OperationFollow key={followed.location} session={session} location={followed.location} onDone={ended} />
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
                  return (
                    <tr key={j.id}>
                      <th scope="row">{j.assetInfo?.id ? <Link href={`/inventory/${j.assetInfo.id}`}>{j.assetInfo.name ?? j.assetInfo.id}</Link> : "–"}</th>
                      <td>
                        <Link href={`/policies/${j.protectionPolicyInfo.id}`}>{j.protectionPolicyInfo.name}</Link>
                      </td>
                      <td>
                        <Badge value={j.operational} />
                      </td>
                      <td>
                        <ScheduleList job={j} />
                      </td>
                      <td class="actions">
                        <button type="button" onClick={() => act(j, "run")} aria-label={`Run now: ${j.assetInfo.name ?? j.assetInfo.id}`}>
                          Run now
                        </button>
                        {j.operational === "SUSPENDED" || j.operational === "PARTIALLY_SUSPENDED" ? (
                          <button type="button" class="secondary" onClick={() => act(j, "resume")} aria-label={`Resume: ${j.assetInfo.name ?? j.assetInfo.id}`}>
                            Resume
                          </button>
                        ) : (
                          <button type="button" class="secondary" onClick={() => act(j, "suspend")} aria-label={`Suspend: ${j.assetInfo.name ?? j.assetInfo.id}`}>
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

function AssignPolicy({ session, round, onStarted }: { session: Session; round: number; onStarted: (f: { label: string; location: string }) => void }) {
  const choices = useLoad(
    () => Promise.all([list<Vm>(session, PATHS.vms, { sort: "name", select: "id,name,protectionJobInfo" }), list<Policy>(session, PATHS.policies, { sort: "name", select: "id,name" })]),
    [session, round],
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
      setVm("");
      setPolicy("");
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
                  // a VM has one job at most: one already protected is shown, not offered
                  <option key={v.id} value={v.id} disabled={v.protectionJobInfo !== undefined}>
                    {v.name}
                    {v.protectionJobInfo ? ` (${v.protectionJobInfo.protectionPolicyInfo?.name ?? "protected"})` : ""}
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
