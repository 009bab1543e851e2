// What obr runs on: hypervisor managers, data orchestrators, protection store gateways and
// protection stores, each with its state.
import { list } from "../api.ts";
import { Badge, Load, PageTitle, TableBox } from "../components.tsx";
import { ago, bytes, words } from "../format.ts";
import type { Session } from "../session.ts";
import { type Gateway, type Manager, type Orchestrator, PATHS, type Store } from "../types.ts";
import { useLoad } from "../use-load.ts";

export function Infrastructure({ session }: { session: Session }) {
  const managers = useLoad(() => list<Manager>(session, PATHS.managers, { sort: "name" }), [session]);
  const orchestrators = useLoad(() => list<Orchestrator>(session, PATHS.orchestrators, { sort: "name" }), [session]);
  const gateways = useLoad(() => list<Gateway>(session, PATHS.gateways, { sort: "name" }), [session]);
  const stores = useLoad(() => list<Store>(session, PATHS.stores, { sort: "displayName" }), [session]);
  return (
    <>
      <PageTitle title="Infrastructure" />
      <section aria-labelledby="i-managers">
        <h2 id="i-managers">Hypervisor managers</h2>
        <Load state={managers} what="Hypervisor managers">
          {(page) =>
            page.items.length === 0 ? (
              <p class="muted">None registered.</p>
            ) : (
              <TableBox label="Hypervisor managers">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Address</th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((m) => (
                    <tr key={m.id}>
                      <th scope="row">{m.displayName ?? m.name}</th>
                      <td>{m.networkAddress ?? "–"}</td>
                      <td>
                        <Badge value={m.state} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </TableBox>
            )
          }
        </Load>
      </section>
      <section aria-labelledby="i-orchestrators">
        <h2 id="i-orchestrators">Data orchestrators</h2>
        <Load state={orchestrators} what="Data orchestrators">
          {(page) => (
            <TableBox label="Data orchestrators">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Deployment</th>
                  <th scope="col">Connection</th>
                  <th scope="col">Last heartbeat</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((o) => (
                  <tr key={o.id}>
                    <th scope="row">{o.displayName ?? o.name}</th>
                    <td>{words(o.deployment)}</td>
                    <td>
                      <Badge value={o.connectionState} />
                    </td>
                    <td>{ago(o.lastHeartbeatAt)}</td>
                  </tr>
                ))}
              </tbody>
            </TableBox>
          )}
        </Load>
      </section>
      <section aria-labelledby="i-gateways">
        <h2 id="i-gateways">Protection store gateways</h2>
        <Load state={gateways} what="Gateways">
          {(page) =>
            page.items.length === 0 ? (
              <p class="muted">No gateway.</p>
            ) : (
              <TableBox label="Protection store gateways">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">State</th>
                    <th scope="col">Health</th>
                    <th scope="col">Version</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((g) => (
                    <tr key={g.id}>
                      <th scope="row">{g.displayName ?? g.name}</th>
                      <td>{words(g.state?.replace(/^PSG_STATE_/, ""))}</td>
                      <td>{words(g.health?.status?.replace(/^PSG_HEALTH_STATUS_/, ""))}</td>
                      <td>{g.softwareVersion ?? "–"}</td>
                    </tr>
                  ))}
                </tbody>
              </TableBox>
            )
          }
        </Load>
      </section>
      <section aria-labelledby="i-stores">
        <h2 id="i-stores">Protection stores</h2>
        <Load state={stores} what="Protection stores">
          {(page) =>
            page.items.length === 0 ? (
              <p class="muted">No protection store.</p>
            ) : (
              <TableBox label="Protection stores">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Type</th>
                    <th scope="col">State</th>
                    <th scope="col">On disk</th>
                    <th scope="col">Protected data</th>
                    <th scope="col">Dedup</th>
                    <th scope="col">Encrypted</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((s) => (
                    <tr key={s.id}>
                      <th scope="row">{s.displayName ?? s.name}</th>
                      <td>{words(s.protectionStoreType)}</td>
                      <td>
                        <Badge value={s.state} />
                      </td>
                      <td>
                        {bytes(s.sizeOnDiskInBytes)}
                        {s.maxCapacityInBytes ? ` of ${bytes(s.maxCapacityInBytes)}` : ""}
                      </td>
                      <td>{bytes(s.userDataStoredInBytes)}</td>
                      <td>×{(s.deduplicationRatio ?? 1).toFixed(1)}</td>
                      <td>{s.encrypted ? "yes" : "no"}</td>
                    </tr>
                  ))}
                </tbody>
              </TableBox>
            )
          }
        </Load>
      </section>
    </>
  );
}
