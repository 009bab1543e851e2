// One VM: what it is, its protection job, and its copies (snapshots, backups, cloud backups)
// with expiry and lock, each a starting point for a restore.
import { get, list, type Page, quote } from "../api.ts";
import { Badge, Load, PageTitle, TableBox } from "../components.tsx";
import { bytes, dateTime } from "../format.ts";
import { ScheduleList } from "./jobs.tsx";
import { Link } from "../router.tsx";
import type { Session } from "../session.ts";
import { type Copy, type CopyKind, copyKind, PATHS, type ProtectionJob, type Vm } from "../types.ts";
import { type Loaded, useLoad } from "../use-load.ts";

export function VmDetail({ session, vmId }: { session: Session; vmId: string }) {
  const vm = useLoad(() => get<Vm>(session, `${PATHS.vms}/${encodeURIComponent(vmId)}`), [session, vmId]);
  const jobs = useLoad(() => list<ProtectionJob>(session, PATHS.jobs, { filter: `assetInfo/id eq ${quote(vmId)}` }), [session, vmId]);
  const snapshots = useLoad(() => list<Copy>(session, PATHS.vmCopies(vmId, "snapshots"), { sort: "pointInTime desc" }), [session, vmId]);
  const backups = useLoad(() => list<Copy>(session, PATHS.vmCopies(vmId, "backups"), { sort: "pointInTime desc" }), [session, vmId]);

  return (
    <Load state={vm} what="Virtual machine">
      {(v) => (
        <>
          <PageTitle title={v.name}>
            <Link class="button" href={`/restore?vm=${encodeURIComponent(v.id)}`}>
              Restore…
            </Link>
          </PageTitle>
          <p class="crumbs">
            <Link href="/inventory">Inventory</Link> / {v.name}
          </p>
          <dl class="facts">
            <dt>Protection</dt>
            <dd>
              <Badge value={v.protectionStatus} />
            </dd>
            <dt>Power</dt>
            <dd>
              <Badge value={v.powerState} />
            </dd>
            <dt>Guest OS</dt>
            <dd>{v.guestInfo?.name ?? "–"}</dd>
            <dt>Disks</dt>
            <dd>
              {(v.virtualDisks ?? []).length} ({bytes(v.capacityInBytes)})
            </dd>
            <dt>Host</dt>
            <dd>{v.hostInfo?.name ?? "–"}</dd>
            <dt>Hypervisor manager</dt>
            <dd>{v.hypervisorManagerInfo?.displayName ?? v.hypervisorManagerInfo?.name ?? "–"}</dd>
          </dl>

          <section aria-labelledby="vm-job">
            <h2 id="vm-job">Protection job</h2>
            <Load state={jobs} what="Protection jobs">
              {(page) =>
                page.items.length === 0 ? (
                  <p class="muted">
                    Not protected by any policy. <Link href={`/jobs?vm=${encodeURIComponent(v.id)}`}>Assign a policy</Link>
                  </p>
                ) : (
                  page.items.map((j) => (
                    <div key={j.id} class="card">
                      <p>
                        <Link href={`/policies/${j.protectionPolicyInfo.id}`}>{j.protectionPolicyInfo.name}</Link> <Badge value={j.operational} />{" "}
                        <Link href="/jobs">Run, suspend or resume</Link>
                      </p>
                      <ScheduleList job={j} />
                    </div>
                  ))
                )
              }
            </Load>
          </section>

          <CopySection title="Snapshots" id="snapshots" kinds={["SNAPSHOT"]} state={snapshots} vmId={v.id} />
          <CopySection title="Backups" id="backups" kinds={["BACKUP"]} state={backups} vmId={v.id} />
          <CopySection title="Cloud backups" id="cloud-backups" kinds={["CLOUD_BACKUP"]} state={backups} vmId={v.id} />
        </>
      )}
    </Load>
  );
}

function CopySection({ title, id, kinds, state, vmId }: { title: string; id: string; kinds: CopyKind[]; state: Loaded<Page<Copy>>; vmId: string }) {
  return (
    <section aria-labelledby={`h-${id}`}>
      <h2 id={`h-${id}`}>{title}</h2>
      <Load state={state} what={title}>
        {(page) => {
          const copies = page.items.filter((c) => kinds.includes(copyKind(c)));
          if (copies.length === 0) return <p class="muted">No {title.toLowerCase()}.</p>;
          return <CopyTable copies={copies} label={title} vmId={vmId} />;
        }}
      </Load>
    </section>
  );
}

export function CopyTable({ copies, label, vmId }: { copies: Copy[]; label: string; vmId: string }) {
  const now = Date.now();
  const stored = copies.some((c) => "protectionStoreInfo" in c);
  return (
    <TableBox label={label}>
      <thead>
        <tr>
          <th scope="col">Taken</th>
          <th scope="col">State</th>
          {stored ? (
            <>
              <th scope="col">Store</th>
              <th scope="col">Stored</th>
              <th scope="col">Verified</th>
            </>
          ) : null}
          <th scope="col">Expires</th>
          <th scope="col">Locked until</th>
          <th scope="col">
            <span class="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {copies.map((c) => {
          const locked = c.lockedUntil !== undefined && new Date(c.lockedUntil).getTime() > now;
          return (
            <tr key={c.id}>
              <th scope="row" title={c.name}>
                {dateTime(c.pointInTime ?? c.createdAt)}
              </th>
              <td>
                <Badge value={c.state} />
              </td>
              {stored ? (
                "protectionStoreInfo" in c ? (
                  <>
                    <td>{c.protectionStoreInfo?.name ?? "–"}</td>
                    <td>
                      {bytes(c.storedSizeInBytes)}
                      {c.fullBackup ? " (full)" : ""}
                    </td>
                    <td>{c.verified ? <Badge value="VERIFIED" /> : "–"}</td>
                  </>
                ) : (
                  <td colSpan={3}>–</td>
                )
              ) : null}
              <td>{dateTime(c.expiresAt)}</td>
              <td>
                {locked ? (
                  <span title="This copy cannot be deleted until then">
                    <Badge value="LOCKED" /> {dateTime(c.lockedUntil)}
                  </span>
                ) : (
                  "not locked"
                )}
              </td>
              <td>
                <Link href={`/restore?vm=${encodeURIComponent(vmId)}&copy=${encodeURIComponent(c.id)}`}>Restore</Link>
              </td>
            </tr>
          );
        })}
      </tbody>
    </TableBox>
  );
}
