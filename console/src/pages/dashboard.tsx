// The overview: how many VMs are protected, what ran in the last 24 hours and what failed, each
// store's capacity and deduplication, and the copies made over the last two weeks.
import { useEffect, useRef } from "preact/hooks";
import { get, list, quote } from "../api.ts";
import { type Bar, Bars, Columns, Donut } from "../charts.tsx";
import { Load, PageTitle } from "../components.tsx";
import { bytes, dateTime, words } from "../format.ts";
import { Link } from "../router.tsx";
import type { Session } from "../session.ts";
import { type Copy, copyKind, type Operation, PATHS, type ProtectionStatus, type Store, type Vm } from "../types.ts";
import { useLoad } from "../use-load.ts";

const DAY = 86_400_000;

/** A VM with a job but not every schedule's newest run done yet counts as partly protected. */
const PARTLY: ReadonlySet<string> = new Set<ProtectionStatus>(["PARTIAL", "PENDING", "PAUSED"]);
const ACTIVE = new Set(["INITIALIZED", "RUNNING"]);
const FAILED = new Set(["FAILED", "TIMEDOUT", "CANCELLED"]);

/** A protection run: a top-level operation of a protection job on its VM (its tiers are its children). */
export const isRun = (o: Operation): boolean => {
  const types = (o.associatedResources ?? []).map((r) => r.type);
  return !o.parent && types.includes("backup-recovery/protection-job") && types.includes("virtualization/virtual-machine");
};

export function Dashboard({ session }: { session: Session }) {
  const vms = useLoad(() => list<Vm>(session, PATHS.vms, { select: "id,name,protectionStatus" }), [session]);
  // refreshed while a run is under way: the counts below follow it
  const ops = useLoad(
    () => {
      const since = new Date(Date.now() - DAY).toISOString();
      return list<Operation>(session, PATHS.operations, {
        filter: `createdAt gt ${quote(since)}`,
        sort: "createdAt desc",
        select: "id,name,state,error,createdAt,parent,associatedResources",
      });
    },
    [session],
    (page) => (page.items.some((o) => ACTIVE.has(o.state ?? "")) ? 2000 : undefined),
  );
  const stores = useLoad(() => list<Store>(session, PATHS.stores), [session]);
  const copies = useLoad(() => copiesOf(session), [session]);

  // a run that ends changes protection, copies and stores: load them again
  const running = ops.data?.items.filter((o) => ACTIVE.has(o.state ?? "")).length;
  const before = useRef(running);
  useEffect(() => {
    if (before.current !== undefined && running !== undefined && running < before.current) {
      vms.reload();
      stores.reload();
      copies.reload();
    }
    before.current = running;
  }, [running]);

  return (
    <>
      <PageTitle title="Dashboard" />
      <div class="grid">
        <section class="card" aria-labelledby="d-protection">
          <h2 id="d-protection">Protection</h2>
          <Load state={vms} what="Virtual machines">
            {(page) => {
              const protectedCount = page.items.filter((v) => v.protectionStatus === "PROTECTED").length;
              const partial = page.items.filter((v) => PARTLY.has(v.protectionStatus ?? "")).length;
              const unprotected = page.items.length - protectedCount - partial;
              return (
                <>
                  <Donut
                    label="Virtual machines by protection"
                    center={`${page.items.length} VMs`}
                    slices={[
                      { label: "Protected", value: protectedCount, tone: "good" },
                      { label: "Partly protected", value: partial, tone: "warn" },
                      { label: "Unprotected", value: unprotected, tone: "bad" },
                    ]}
                  />
                  <p>
                    <Link href="/inventory?protection=UNPROTECTED">See the unprotected VMs</Link>
                  </p>
                </>
              );
            }}
          </Load>
        </section>

        <section class="card" aria-labelledby="d-runs">
          <h2 id="d-runs">Last 24 hours</h2>
          <Load state={ops} what="Operations">
            {(page) => {
              const runs = page.items.filter(isRun);
              const count = (states: Set<string>) => runs.filter((o) => states.has(o.state ?? "")).length;
              const others = page.items.filter((o) => !o.parent && !isRun(o));
              const failed = page.items.filter((o) => !o.parent && FAILED.has(o.state ?? ""));
              return (
                <>
                  <Donut
                    label="Protection runs in the last 24 hours"
                    center={`${runs.length} runs`}
                    slices={[
                      { label: "Succeeded", value: count(new Set(["SUCCEEDED"])), tone: "good" },
                      { label: "Running", value: count(ACTIVE), tone: "busy" },
                      { label: "Failed", value: count(FAILED), tone: "bad" },
                    ]}
                  />
                  <p class="muted">
                    and <Link href="/operations">{others.length} other operations</Link>
                  </p>
                  {failed.length === 0 ? (
                    <p class="muted">No failures.</p>
                  ) : (
                    <ul class="failures" aria-label="Failures">
                      {failed.slice(0, 5).map((o) => (
                        <li key={o.id}>
                          <Link href={`/operations/${o.id}`}>{o.name ?? o.id}</Link> <span class="muted">{dateTime(o.createdAt)}</span>
                          {o.error?.error ? <div class="error-text">{o.error.error}</div> : null}
                        </li>
                      ))}
                    </ul>
                  )}
                </>
              );
            }}
          </Load>
        </section>

        <section class="card wide" aria-labelledby="d-stores">
          <h2 id="d-stores">Protection stores</h2>
          <Load state={stores} what="Protection stores">
            {(page) =>
              page.items.length === 0 ? (
                <p class="muted">No protection store yet.</p>
              ) : (
                <>
                  <Bars label="Store capacity" bars={page.items.map(storeBar)} />
                  <ul class="legend">
                    <li>
                      <span class="swatch accent" aria-hidden="true" /> on disk
                    </li>
                    <li>
                      <span class="swatch light" aria-hidden="true" /> saved by deduplication, compression and skipped zeros
                    </li>
                  </ul>
                </>
              )
            }
          </Load>
        </section>

        <section class="card wide" aria-labelledby="d-copies">
          <h2 id="d-copies">Copies over the last 14 days</h2>
          <Load state={copies} what="Copies">
            {(all) => <CopiesChart copies={all} />}
          </Load>
        </section>
      </div>
    </>
  );
}

function storeBar(s: Store): Bar {
  const logical = s.userDataStoredInBytes ?? 0;
  const onDisk = s.sizeOnDiskInBytes ?? 0;
  const max = s.maxCapacityInBytes ?? Math.max(logical, onDisk, 1);
  const ratio = s.deduplicationRatio ?? (onDisk > 0 ? logical / onDisk : 1);
  const capacity = s.maxCapacityInBytes ? ` of ${bytes(s.maxCapacityInBytes)}` : "";
  return {
    label: `${s.displayName ?? s.name} (${words(s.protectionStoreType)})`,
    max,
    note: `${bytes(onDisk)} on disk${capacity}, ${bytes(logical)} protected, dedup ×${ratio.toFixed(1)}`,
    parts: [
      { label: "on disk", value: onDisk, tone: "accent" },
      { label: "saved", value: Math.max(0, logical - onDisk), tone: "light" },
    ],
  };
}

/** Every VM's snapshots and backups (the copy lists are per VM in the contract). */
async function copiesOf(session: Session): Promise<Copy[]> {
  const vms = await list<Vm>(session, PATHS.vms, { select: "id" });
  const since = new Date(Date.now() - 14 * DAY).toISOString();
  const query = { filter: `createdAt gt ${quote(since)}`, limit: 1000 };
  const perVm = await Promise.all(
    vms.items.flatMap((vm) => [
      get<{ items: Copy[] }>(session, PATHS.vmCopies(vm.id, "snapshots"), query),
      get<{ items: Copy[] }>(session, PATHS.vmCopies(vm.id, "backups"), query),
    ]),
  );
  return perVm.flatMap((p) => p.items);
}

function CopiesChart({ copies }: { copies: Copy[] }) {
  const days = Array.from({ length: 14 }, (_, i) => new Date(Date.now() - (13 - i) * DAY).toISOString().slice(0, 10));
  const tones = { SNAPSHOT: "accent", BACKUP: "good", CLOUD_BACKUP: "busy" } as const;
  const columns = days.map((day) => ({
    label: day.slice(5),
    parts: (["SNAPSHOT", "BACKUP", "CLOUD_BACKUP"] as const).map((k) => ({
      label: k,
      tone: tones[k],
      value: copies.filter((c) => copyKind(c) === k && (c.pointInTime ?? c.createdAt ?? "").startsWith(day)).length,
    })),
  }));
  const count = (k: string) => copies.filter((c) => copyKind(c) === k).length;
  if (copies.length === 0) return <p class="muted">No copies in the last 14 days.</p>;
  return (
    <Columns
      label="Copies per day"
      columns={columns}
      legend={[
        { label: "Snapshots", value: count("SNAPSHOT"), tone: "accent" },
        { label: "Backups", value: count("BACKUP"), tone: "good" },
        { label: "Cloud backups", value: count("CLOUD_BACKUP"), tone: "busy" },
      ]}
    />
  );
}

