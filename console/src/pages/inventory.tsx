// Virtual machines with their protection status; filter and sort run on the server (the API's
// filter and sort parameters), and the choices stay in the address so a view can be shared.
import { list, quote } from "../api.ts";
import { Badge, Field, Load, PageTitle, TableBox } from "../components.tsx";
import { bytes } from "../format.ts";
import { Link, navigate, type Route } from "../router.tsx";
import type { Session } from "../session.ts";
import { PATHS, type ProtectionStatus, type Vm } from "../types.ts";
import { useLoad } from "../use-load.ts";

const SORTS = [
  ["name", "Name (A–Z)"],
  ["name desc", "Name (Z–A)"],
  ["capacityInBytes desc", "Largest first"],
  ["protectionStatus", "Protection status"],
  ["powerState", "Power state"],
] as const;
const PROTECTION: ProtectionStatus[] = ["PROTECTED", "PARTIAL", "PENDING", "PAUSED", "LAPSED", "UNPROTECTED"];

export function Inventory({ session, route }: { session: Session; route: Route }) {
  const q = route.query.get("q") ?? "";
  const protection = route.query.get("protection") ?? "";
  const power = route.query.get("power") ?? "";
  const sort = route.query.get("sort") ?? "name";
  const filter = [q ? `contains(name,${quote(q)})` : "", protection ? `protectionStatus eq ${quote(protection)}` : "", power ? `powerState eq ${quote(power)}` : ""]
    .filter(Boolean)
    .join(" and ");
  const vms = useLoad(() => list<Vm>(session, PATHS.vms, { filter, sort }), [session, filter, sort]);

  const set = (name: string, value: string) => {
    const next = new URLSearchParams(route.query);
    if (value) next.set(name, value);
    else next.delete(name);
    navigate(`/inventory${next.size ? `?${next}` : ""}`, true);
  };

  return (
    <>
      <PageTitle title="Inventory" />
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter virtual machines">
        <Field label="Name contains" hint="Case-sensitive, as the API's contains()">
          <input type="search" value={q} onChange={(e) => set("q", e.currentTarget.value)} />
        </Field>
        <Field label="Protection">
          <select value={protection} onChange={(e) => set("protection", e.currentTarget.value)}>
            <option value="">Any</option>
            {PROTECTION.map((p) => (
              <option key={p} value={p}>
                {p.toLowerCase().replaceAll("_", " ")}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Power">
          <select value={power} onChange={(e) => set("power", e.currentTarget.value)}>
            <option value="">Any</option>
            <option value="POWERED_ON">on</option>
            <option value="POWERED_OFF">off</option>
          </select>
        </Field>
        <Field label="Sort by">
          <select value={sort} onChange={(e) => set("sort", e.currentTarget.value)}>
            {SORTS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
      </form>
      <Load state={vms} what="Virtual machines">
        {(page) =>
          page.items.length === 0 ? (
            <p class="muted">No virtual machine matches.</p>
          ) : (
            <>
              <p class="muted" aria-live="polite">
                {page.total} virtual machine{page.total === 1 ? "" : "s"}
              </p>
              <TableBox label="Virtual machines">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Protection</th>
                    <th scope="col">Policy</th>
                    <th scope="col">Power</th>
                    <th scope="col">Guest OS</th>
                    <th scope="col">Size</th>
                    <th scope="col">Host</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((vm) => (
                    <tr key={vm.id}>
                      <th scope="row">
                        <Link href={`/inventory/${vm.id}`}>{vm.name}</Link>
                      </th>
                      <td>
                        <Badge value={vm.protectionStatus} />
                      </td>
                      <td>{vm.protectionJobInfo?.protectionPolicyInfo?.name ?? "–"}</td>
                      <td>
                        <Badge value={vm.powerState} />
                      </td>
                      <td>{vm.guestInfo?.name ?? "–"}</td>
                      <td>{bytes(vm.capacityInBytes)}</td>
                      <td>{vm.hostInfo?.name ?? "–"}</td>
                    </tr>
                  ))}
                </tbody>
              </TableBox>
            </>
          )
        }
      </Load>
    </>
  );
}
