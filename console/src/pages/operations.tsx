// Async operations: every 202 of the API is one. The list refreshes itself while any is running;
// one operation shows its progress, log and error live.
import { get, list, quote } from "../api.ts";
import { Badge, Field, Load, PageTitle, Progress, TableBox } from "../components.tsx";
import { ago, dateTime, seconds } from "../format.ts";
import { Link, navigate, type Route } from "../router.tsx";
import type { Session } from "../session.ts";
import { type Operation, PATHS } from "../types.ts";
import { useLoad } from "../use-load.ts";

const ACTIVE = new Set(["INITIALIZED", "RUNNING"]);
const STATES = ["RUNNING", "SUCCEEDED", "FAILED", "TIMEDOUT", "CANCELLED"] as const;
const PAGE = 50;

export function Operations({ session, route }: { session: Session; route: Route }) {
  return route.rest[0] ? <OperationDetail session={session} id={route.rest[0]} /> : <OperationList session={session} route={route} />;
}

function OperationList({ session, route }: { session: Session; route: Route }) {
  const state = route.query.get("state") ?? "";
  const offset = Number(route.query.get("offset") ?? 0) || 0;
  const ops = useLoad(
    () =>
      list<Operation>(session, PATHS.operations, {
        sort: "createdAt desc",
        limit: PAGE,
        offset,
        filter: state ? `state eq ${quote(state)}` : undefined,
        select: "id,name,state,progressPercent,createdAt,startedAt,endedAt,error",
      }),
    [session, state, offset],
    (page) => (page.items.some((o) => ACTIVE.has(o.state ?? "")) ? 2000 : undefined),
  );
  const go = (s: string, o: number) => navigate(`/operations?${new URLSearchParams({ ...(s ? { state: s } : {}), ...(o ? { offset: String(o) } : {}) })}`, true);
  return (
    <>
      <PageTitle title="Operations" />
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter operations">
        <Field label="State">
          <select value={state} onChange={(e) => go(e.currentTarget.value, 0)}>
            <option value="">Any</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s.toLowerCase()}
              </option>
            ))}
          </select>
        </Field>
      </form>
      <Load state={ops} what="Operations">
        {(page) =>
          page.items.length === 0 ? (
            <p class="muted">No operation.</p>
          ) : (
            <>
              <TableBox label="Async operations">
                <thead>
                  <tr>
                    <th scope="col">Operation</th>
                    <th scope="col">State</th>
                    <th scope="col">Progress</th>
                    <th scope="col">Started</th>
                    <th scope="col">Took</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((o) => (
                    <tr key={o.id}>
                      <th scope="row">
                        <Link href={`/operations/${o.id}`}>{o.name ?? o.id}</Link>
                        {o.error?.error ? <div class="error-text">{o.error.error}</div> : null}
                      </th>
                      <td>
                        <Badge value={o.state} />
                      </td>
                      <td>
                        <Progress percent={o.progressPercent ?? 0} label={`Progress of ${o.name ?? o.id}`} />
                      </td>
                      <td>{ago(o.startedAt ?? o.createdAt)}</td>
                      <td>{o.startedAt ? seconds((o.endedAt ? new Date(o.endedAt).getTime() : Date.now()) - new Date(o.startedAt).getTime()) : "–"}</td>
                    </tr>
                  ))}
                </tbody>
              </TableBox>
              <div class="row pager">
                <span class="muted">
                  {offset + 1}–{offset + page.items.length} of {page.total}
                </span>
                {offset > 0 ? (
                  <button type="button" class="secondary" onClick={() => go(state, Math.max(0, offset - PAGE))}>
                    Newer
                  </button>
                ) : null}
                {offset + page.items.length < page.total ? (
                  <button type="button" class="secondary" onClick={() => go(state, offset + PAGE)}>
                    Older
                  </button>
                ) : null}
              </div>
            </>
          )
        }
      </Load>
    </>
  );
}

function OperationDetail({ session, id }: { session: Session; id: string }) {
  const op = useLoad(
    () => get<Operation>(session, `${PATHS.operations}/${encodeURIComponent(id)}`),
    [session, id],
    (o) => (ACTIVE.has(o.state ?? "") ? Math.max(500, (o.suggestedPollingIntervalSeconds ?? 1) * 1000) : undefined),
  );
  return (
    <Load state={op} what="Operation">
      {(o) => (
        <>
          <PageTitle title={o.name ?? o.id} />
          <p class="crumbs">
            <Link href="/operations">Operations</Link> / {o.id}
          </p>
          <div class="card" aria-live="polite">
            <p>
              <Badge value={o.state} />
            </p>
            <Progress percent={o.progressPercent ?? 0} label="Progress" />
            {o.error?.error ? (
              <p class="notice error" role="alert">
                {o.error.error}
                {o.error.errorCode ? ` (${o.error.errorCode})` : ""}
              </p>
            ) : null}
            <dl class="facts">
              <dt>Created</dt>
              <dd>{dateTime(o.createdAt)}</dd>
              <dt>Started</dt>
              <dd>{dateTime(o.startedAt)}</dd>
              <dt>Ended</dt>
              <dd>{dateTime(o.endedAt)}</dd>
              <dt>By</dt>
              <dd>{o.userId ?? "–"}</dd>
              <dt>Concerns</dt>
              <dd>{(o.associatedResources ?? []).map((r) => r.name ?? r.resourceUri).join(", ") || "–"}</dd>
            </dl>
          </div>
          <section aria-labelledby="op-log">
            <h2 id="op-log">Log</h2>
            <ol class="log">
              {(o.logMessages ?? []).map((m, i) => (
                <li key={`${i}-${m.timestamp}`}>
                  <time dateTime={m.timestamp}>{dateTime(m.timestamp)}</time> {m.message}
                </li>
              ))}
            </ol>
          </section>
        </>
      )}
    </Load>
  );
}
