// Protection policies: the list with every tier in plain words, and the editor (create, edit,
// delete). A policy not yet assigned is replaced whole (PUT), so tiers can change; an assigned one
// is patched (PATCH), which the contract allows for names and schedules only.
import { useState } from "preact/hooks";
import { describeError, get, list, send } from "../api.ts";
import { Field, Load, PageTitle, TableBox } from "../components.tsx";
import { type Duration, durationWords, scheduleWords, TIER_NAMES, tierWords, WEEKDAYS } from "../format.ts";
import { Link, navigate, type Route } from "../router.tsx";
import type { Session } from "../session.ts";
import { PATHS, type Policy, type PolicyCreate, type Store } from "../types.ts";
import { useLoad } from "../use-load.ts";

export function Policies({ session, route }: { session: Session; route: Route }) {
  const id = route.rest[0];
  if (id === "new") return <PolicyEditor session={session} policy={undefined} />;
  if (id) return <ExistingPolicy session={session} id={id} />;
  return <PolicyList session={session} />;
}

function PolicyList({ session }: { session: Session }) {
  const policies = useLoad(() => list<Policy>(session, PATHS.policies, { sort: "name" }), [session]);
  return (
    <>
      <PageTitle title="Protection policies">
        <Link class="button" href="/policies/new">
          New policy
        </Link>
      </PageTitle>
      <Load state={policies} what="Policies">
        {(page) =>
          page.items.length === 0 ? (
            <p class="muted">No policy yet. A policy says how often each copy is made and how long it is kept.</p>
          ) : (
            <TableBox label="Protection policies">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Tiers</th>
                  <th scope="col">Protects</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((p) => (
                  <tr key={p.id}>
                    <th scope="row">
                      <Link href={`/policies/${p.id}`}>{p.name}</Link>
                    </th>
                    <td>
                      <ul class="plain">
                        {p.protections.flatMap((t) =>
                          t.schedules.map((s) => (
                            <li key={`${t.id}-${s.scheduleId}`}>
                              {tierWords(t.type, s)}
                              {t.protectionStoreInfo?.name ? <span class="muted"> → {t.protectionStoreInfo.name}</span> : null}
                            </li>
                          )),
                        )}
                      </ul>
                    </td>
                    <td>{p.protectionJobsInfo.length === 0 ? <span class="muted">nothing yet</span> : p.protectionJobsInfo.map((j) => j.assetInfo.name).join(", ")}</td>
                  </tr>
                ))}
              </tbody>
            </TableBox>
          )
        }
      </Load>
    </>
  );
}

function ExistingPolicy({ session, id }: { session: Session; id: string }) {
  const policy = useLoad(() => get<Policy>(session, `${PATHS.policies}/${encodeURIComponent(id)}`), [session, id]);
  return <Load state={policy} what="Policy">{(p) => <PolicyEditor session={session} policy={p} />}</Load>;
}

type TierType = "SNAPSHOT" | "BACKUP" | "CLOUD_BACKUP";
const RECURRENCES = [
  ["BY_MINUTES", "minutes"],
  ["HOURLY", "hours"],
  ["DAILY", "days"],
  ["WEEKLY", "weeks"],
  ["MONTHLY", "months"],
] as const;
type Recurrence = (typeof RECURRENCES)[number][0];
const UNITS = ["HOURS", "DAYS", "WEEKS", "MONTHS", "YEARS"] as const;
type Unit = (typeof UNITS)[number];

interface ScheduleDraft {
  scheduleId: number;
  name: string;
  recurrence: Recurrence;
  every: number;
  on: number[];
  startTime: string;
  keep: { value: number; unit: Unit };
  lock: { value: number; unit: Unit };
  sourceProtectionScheduleId: number | undefined;
}

interface TierDraft {
  key: number;
  protectionId: string | undefined;
  type: TierType;
  storeId: string;
  schedules: ScheduleDraft[];
}

let keys = 0;
const usesStartTime = (r: Recurrence) => r === "DAILY" || r === "WEEKLY" || r === "MONTHLY";
const isUnit = (u: string): u is Unit => UNITS.some((x) => x === u);
const isRecurrence = (r: string): r is Recurrence => RECURRENCES.some(([x]) => x === r);
const isTierType = (t: string): t is TierType => t === "SNAPSHOT" || t === "BACKUP" || t === "CLOUD_BACKUP";
const duration = (d: Duration | undefined, fallback: { value: number; unit: Unit }) => (d && isUnit(d.unit) ? { value: d.value, unit: d.unit } : fallback);

function newSchedule(type: TierType, scheduleId: number): ScheduleDraft {
  const daily = type !== "SNAPSHOT";
  return {
    scheduleId,
    name: "",
    recurrence: daily ? "DAILY" : "HOURLY",
    every: daily ? 1 : 4,
    on: [],
    startTime: type === "CLOUD_BACKUP" ? "03:00" : "02:00",
    keep: type === "SNAPSHOT" ? { value: 2, unit: "DAYS" } : type === "BACKUP" ? { value: 7, unit: "DAYS" } : { value: 1, unit: "MONTHS" },
    lock: { value: 0, unit: "DAYS" },
    sourceProtectionScheduleId: undefined,
  };
}

function draftsOf(policy: Policy | undefined): TierDraft[] {
  if (!policy) {
    return [
      { key: keys++, protectionId: undefined, type: "SNAPSHOT", storeId: "", schedules: [newSchedule("SNAPSHOT", 1)] },
      { key: keys++, protectionId: undefined, type: "BACKUP", storeId: "", schedules: [newSchedule("BACKUP", 2)] },
    ];
  }
  return policy.protections.map((t) => ({
    key: keys++,
    protectionId: t.id,
    type: isTierType(t.type) ? t.type : "SNAPSHOT",
    storeId: t.protectionStoreInfo?.id ?? "",
    schedules: t.schedules.map((s) => ({
      scheduleId: s.scheduleId,
      name: s.name ?? "",
      recurrence: isRecurrence(s.schedule.recurrence) ? s.schedule.recurrence : "DAILY",
      every: s.schedule.repeatInterval.every,
      on: s.schedule.repeatInterval.on ?? [],
      startTime: s.schedule.startTime ?? "02:00",
      keep: duration(s.expireAfter, { value: 7, unit: "DAYS" }),
      lock: duration(s.lockFor, { value: 0, unit: "DAYS" }),
      sourceProtectionScheduleId: s.sourceProtectionScheduleId,
    })),
  }));
}

/** The contract's schedule object of a draft. */
function scheduleOf(s: ScheduleDraft) {
  const on = s.recurrence === "WEEKLY" || s.recurrence === "MONTHLY" ? s.on : [];
  return {
    recurrence: s.recurrence,
    repeatInterval: { every: s.every, ...(on.length > 0 ? { on } : {}) },
    ...(usesStartTime(s.recurrence) ? { startTime: s.startTime } : {}),
  };
}

/** A backup is made from the first snapshot, a cloud backup from the first backup (else snapshot). */
function sourceFor(tiers: TierDraft[], type: TierType): number | undefined {
  const first = (t: TierType) => tiers.find((x) => x.type === t)?.schedules[0]?.scheduleId;
  if (type === "BACKUP") return first("SNAPSHOT");
  if (type === "CLOUD_BACKUP") return first("BACKUP") ?? first("SNAPSHOT");
  return undefined;
}

function scheduleBody(s: ScheduleDraft) {
  return {
    scheduleId: s.scheduleId,
    ...(s.name.trim() ? { name: s.name.trim() } : {}),
    schedule: scheduleOf(s),
    expireAfter: { unit: s.keep.unit, value: s.keep.value },
    ...(s.lock.value > 0 ? { lockFor: { unit: s.lock.unit, value: s.lock.value } } : {}),
  };
}

function createBody(name: string, description: string, tiers: TierDraft[]): PolicyCreate {
  return {
    name: name.trim(),
    ...(description.trim() ? { description: description.trim() } : {}),
    applicationType: "VMWARE",
    protections: tiers.map((t) => ({
      type: t.type,
      ...(t.type !== "SNAPSHOT" && t.storeId ? { protectionStoreId: t.storeId } : {}),
      schedules: t.schedules.map((s) => {
        const source = s.sourceProtectionScheduleId ?? sourceFor(tiers, t.type);
        return { ...scheduleBody(s), ...(source !== undefined ? { sourceProtectionScheduleId: source } : {}) };
      }),
    })),
  };
}

function PolicyEditor({ session, policy }: { session: Session; policy: Policy | undefined }) {
  const [name, setName] = useState(policy?.name ?? "");
  const [description, setDescription] = useState(policy?.description ?? "");
  const [tiers, setTiers] = useState<TierDraft[]>(() => draftsOf(policy));
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const stores = useLoad(() => list<Store>(session, PATHS.stores, { sort: "displayName" }), [session]);
  const assigned = policy?.assigned ?? false;

  const update = (key: number, change: (t: TierDraft) => TierDraft) => setTiers((all) => all.map((t) => (t.key === key ? change(t) : t)));
  const updateSchedule = (key: number, scheduleId: number, change: Partial<ScheduleDraft>) =>
    update(key, (t) => ({ ...t, schedules: t.schedules.map((s) => (s.scheduleId === scheduleId ? { ...s, ...change } : s)) }));
  const nextScheduleId = () => Math.max(0, ...tiers.flatMap((t) => t.schedules.map((s) => s.scheduleId))) + 1;

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = createBody(name, description, tiers);
      if (!policy) await send(session, "POST", PATHS.policies, body);
      else if (!assigned) await send(session, "PUT", `${PATHS.policies}/${policy.id}`, body);
      else {
        await send(session, "PATCH", `${PATHS.policies}/${policy.id}`, {
          name: body.name,
          description: description.trim() ? description.trim() : null,
          protections: tiers.map((t) => ({ id: t.protectionId, schedules: t.schedules.map(scheduleBody) })),
        });
      }
      navigate("/policies");
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!policy || !confirm(`Delete the policy "${policy.name}"?`)) return;
    try {
      await send(session, "DELETE", `${PATHS.policies}/${policy.id}`);
      navigate("/policies");
    } catch (err) {
      setError(describeError(err));
    }
  };

  const storeChoices = (type: TierType) => (stores.data?.items ?? []).filter((s) => (type === "CLOUD_BACKUP" ? s.protectionStoreType === "CLOUD" : s.protectionStoreType !== "CLOUD"));

  return (
    <>
      <PageTitle title={policy ? `Policy ${policy.name}` : "New protection policy"} />
      <p class="crumbs">
        <Link href="/policies">Policies</Link> / {policy ? policy.name : "new"}
      </p>
      <form class="editor" onSubmit={save}>
        <div class="row">
          <Field label="Name">
            <input name="name" required maxLength={255} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </Field>
          <Field label="Description">
            <input name="description" maxLength={4096} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
          </Field>
        </div>
        {assigned ? <p class="notice">This policy protects VMs: its schedules can change, its tiers cannot.</p> : null}
        {tiers.map((t, i) => (
          <fieldset class="tier card" key={t.key}>
            <legend>
              Tier {i + 1}: {TIER_NAMES[t.type]}
            </legend>
            <div class="row">
              <Field label="Copy">
                <select
                  value={t.type}
                  disabled={assigned}
                  onChange={(e) => {
                    const type = e.currentTarget.value;
                    if (isTierType(type)) update(t.key, (x) => ({ ...x, type, storeId: "" }));
                  }}
                >
                  <option value="SNAPSHOT">Snapshot (on the hypervisor)</option>
                  <option value="BACKUP">Backup (on-premises store)</option>
                  <option value="CLOUD_BACKUP">Cloud backup (cloud store)</option>
                </select>
              </Field>
              {t.type !== "SNAPSHOT" ? (
                <Field label="Protection store">
                  <select value={t.storeId} required disabled={assigned} onChange={(e) => update(t.key, (x) => ({ ...x, storeId: e.currentTarget.value }))}>
                    <option value="">Choose a store…</option>
                    {storeChoices(t.type).map((s) => (
                      <option key={s.id} value={s.id}>
                        {s.displayName ?? s.name}
                      </option>
                    ))}
                  </select>
                </Field>
              ) : null}
            </div>
            {t.schedules.map((s) => (
              <ScheduleFields key={s.scheduleId} type={t.type} draft={s} change={(c) => updateSchedule(t.key, s.scheduleId, c)} />
            ))}
            {!assigned ? (
              <div class="row">
                <button type="button" class="secondary" onClick={() => update(t.key, (x) => ({ ...x, schedules: [...x.schedules, newSchedule(x.type, nextScheduleId())] }))}>
                  Add a schedule to this tier
                </button>
                {tiers.length > 1 ? (
                  <button type="button" class="secondary danger" onClick={() => setTiers((all) => all.filter((x) => x.key !== t.key))}>
                    Remove tier {i + 1}
                  </button>
                ) : null}
              </div>
            ) : null}
          </fieldset>
        ))}
        {!assigned ? (
          <button
            type="button"
            class="secondary"
            onClick={() => setTiers((all) => [...all, { key: keys++, protectionId: undefined, type: "CLOUD_BACKUP", storeId: "", schedules: [newSchedule("CLOUD_BACKUP", nextScheduleId())] }])}
          >
            Add a tier
          </button>
        ) : null}
        <section class="summary" aria-live="polite" aria-labelledby="policy-summary">
          <h2 id="policy-summary">In plain words</h2>
          <ul class="plain">
            {tiers.flatMap((t) =>
              t.schedules.map((s) => (
                <li key={`${t.key}-${s.scheduleId}`}>{tierWords(t.type, { schedule: scheduleOf(s), expireAfter: s.keep, ...(s.lock.value > 0 ? { lockFor: s.lock } : {}) })}</li>
              )),
            )}
          </ul>
        </section>
        {error ? (
          <p class="notice error" role="alert">
            {error}
          </p>
        ) : null}
        <div class="row">
          <button type="submit" disabled={busy}>
            {policy ? "Save policy" : "Create policy"}
          </button>
          <Link class="button secondary" href="/policies">
            Cancel
          </Link>
          {policy && !assigned ? (
            <button type="button" class="secondary danger" onClick={remove}>
              Delete policy
            </button>
          ) : null}
        </div>
      </form>
    </>
  );
}

function ScheduleFields({ type, draft, change }: { type: TierType; draft: ScheduleDraft; change: (c: Partial<ScheduleDraft>) => void }) {
  const words = scheduleWords(scheduleOf(draft));
  return (
    <fieldset class="schedule">
      <legend class="sr-only">
        Schedule {draft.scheduleId}: {words}
      </legend>
      <div class="row">
        <Field label="Repeat every">
          <span class="pair">
            <input type="number" min={1} max={draft.recurrence === "BY_MINUTES" ? 60 : 365} required value={draft.every} onInput={(e) => change({ every: Number(e.currentTarget.value) })} aria-label="Repeat every (number)" />
            <select value={draft.recurrence} aria-label="Repeat unit" onChange={(e) => isRecurrence(e.currentTarget.value) && change({ recurrence: e.currentTarget.value, on: [] })}>
              {RECURRENCES.map(([r, label]) => (
                <option key={r} value={r}>
                  {label}
                </option>
              ))}
            </select>
          </span>
        </Field>
        {usesStartTime(draft.recurrence) ? (
          <Field label="At (UTC)">
            <input type="time" required value={draft.startTime} onInput={(e) => change({ startTime: e.currentTarget.value })} />
          </Field>
        ) : null}
        {draft.recurrence === "MONTHLY" ? (
          <Field label="Day of the month" hint="0 is the last day">
            <input type="number" min={0} max={31} value={draft.on[0] ?? 1} onInput={(e) => change({ on: [Number(e.currentTarget.value)] })} />
          </Field>
        ) : null}
        <Field label="Keep for">
          <span class="pair">
            <input type="number" min={1} required value={draft.keep.value} aria-label="Keep for (number)" onInput={(e) => change({ keep: { ...draft.keep, value: Number(e.currentTarget.value) } })} />
            <UnitSelect label="Keep for (unit)" value={draft.keep.unit} onChange={(unit) => change({ keep: { ...draft.keep, unit } })} />
          </span>
        </Field>
        <Field label="Lock for" hint="0: not locked">
          <span class="pair">
            <input type="number" min={0} value={draft.lock.value} aria-label="Lock for (number)" onInput={(e) => change({ lock: { ...draft.lock, value: Number(e.currentTarget.value) } })} />
            <UnitSelect label="Lock for (unit)" value={draft.lock.unit} onChange={(unit) => change({ lock: { ...draft.lock, unit } })} />
          </span>
        </Field>
      </div>
      {draft.recurrence === "WEEKLY" ? (
        <fieldset class="weekdays">
          <legend>On</legend>
          {WEEKDAYS.map((day, i) => (
            <label key={day} class="check">
              <input
                type="checkbox"
                checked={draft.on.includes(i)}
                onChange={(e) => change({ on: e.currentTarget.checked ? [...draft.on, i].sort() : draft.on.filter((d) => d !== i) })}
              />
              {day.slice(0, 3)}
            </label>
          ))}
        </fieldset>
      ) : null}
      <p class="muted">
        {TIER_NAMES[type]} {words}, kept {durationWords(draft.keep)}
        {draft.lock.value > 0 ? `, locked ${durationWords(draft.lock)}` : ""}
      </p>
    </fieldset>
  );
}

function UnitSelect({ label, value, onChange }: { label: string; value: Unit; onChange: (u: Unit) => void }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => isUnit(e.currentTarget.value) && onChange(e.currentTarget.value)}>
      {UNITS.map((u) => (
        <option key={u} value={u}>
          {u.toLowerCase()}
        </option>
      ))}
    </select>
  );
}
