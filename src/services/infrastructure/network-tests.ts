// Ping and traceroute from a gateway. A lab gateway is a simulated VM on this machine, so a test
// can only be run honestly against what really lives here: loopback addresses, and the addresses
// of the gateway's lab (its ESXi hosts and VMs, which are this machine too, so the test goes to
// 127.0.0.1). Anything else is refused with a 400 rather than answered with an invented result.
import { isIP } from "node:net";
import { AppError } from "../../domain/app-error.ts";
import { classifyHost } from "../../domain/network-address.ts";

/** Port probed when the address names none (echo: a refusal proves the host answered too). */
export const DEFAULT_PROBE_PORT = 7;

export interface ProbeResult {
  /** The host answered: a connection was accepted or actively refused. */
  reachable: boolean;
  /** What happened, for the operation's log ("connection refused", "timed out after 2000 ms"). */
  detail: string;
  roundTripMs: number;
}

/** Really contacts host:port (a TCP connect); the implementation lives in connectors/. */
export interface NetworkProbe {
  probe(host: string, port: number, timeoutMs: number): Promise<ProbeResult>;
}

export interface ProbeTarget {
  /** As the user gave it. */
  address: string;
  /** Where the probe really goes. */
  host: string;
  port: number;
  /** Why this target may be tested ("loopback", "lab host esxi-01"). */
  why: string;
}

/** Splits `host`, `host:port`, `[v6]:port`; undefined when it is not one of these. */
function hostAndPort(address: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(address) ?? /^([^:]+)(?::(\d{1,5}))?$/.exec(address);
  if (m?.[1]) {
    const port = m[2] === undefined ? DEFAULT_PROBE_PORT : Number(m[2]);
    return port >= 1 && port <= 65535 ? { host: m[1], port } : undefined;
  }
  return isIP(address) === 6 ? { host: address, port: DEFAULT_PROBE_PORT } : undefined;
}

/**
 * Where a test of `address` goes, given the lab's own addresses (name by address); 400 for
 * anything that is neither loopback nor the lab's.
 */
export function probeTarget(address: string, labAddresses: ReadonlyMap<string, string>): ProbeTarget {
  const parsed = hostAndPort(address.trim());
  if (!parsed) throw AppError.badRequest(`address '${address}' is not a host, host:port or [IPv6]:port`);
  const { host, port } = parsed;
  if (classifyHost(host) === "loopback") return { address, host: isIP(host) ? host : "127.0.0.1", port, why: "loopback" };
  const labName = labAddresses.get(host);
  if (labName !== undefined) return { address, host: "127.0.0.1", port, why: `${labName} of the gateway's lab, which runs on this machine` };
  throw AppError.badRequest(
    `address '${address}': network tests run only against loopback addresses and the addresses of the gateway's lab (its hosts and VMs); obr does not send probes to other networks`,
  );
}
