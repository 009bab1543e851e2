// Which hosts a hypervisor-manager registration may make the server connect to. Registration
// addresses come from API clients, so a server-side connector must never be pointed at the
// server's own loopback, link-local ranges or cloud metadata services (SSRF). Pure: no DNS.
import { isIP } from "node:net";
import { AppError } from "./app-error.ts";

export type HostClass = "loopback" | "link-local" | "metadata" | "unspecified" | "reserved" | "private" | "public";

/** Names of cloud metadata services that resolve to link-local addresses inside a VM. */
const METADATA_NAMES = new Set(["metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"]);

function ipv4Octets(host: string): number[] | undefined {
  if (isIP(host) !== 4) return undefined;
  return host.split(".").map(Number);
}

/** Cloud metadata services at addresses outside link-local (Alibaba Cloud; AWS over IPv6). */
const METADATA_ADDRESSES = new Set(["100.100.100.200", "fd00:ec2:0:0:0:0:0:254"]);

function classifyIpv4([a = 0, b = 0, c = 0, d = 0]: number[]): HostClass {
  if (a === 127) return "loopback";
  if (a === 0) return "unspecified";
  if (a === 169 && b === 254) return "link-local"; // includes 169.254.169.254, the metadata service
  if (METADATA_ADDRESSES.has(`${a}.${b}.${c}.${d}`)) return "metadata";
  if (a >= 224) return "reserved"; // multicast, 240/4 and the broadcast address
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)) return "private";
  return "public";
}

/** Expands an IPv6 text form into its 8 16-bit groups. */
function ipv6Groups(host: string): number[] {
  let text = host;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = v4[1].split(".").map(Number);
    text = `${text.slice(0, -v4[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
}

function classifyIpv6(host: string): HostClass {
  const g = ipv6Groups(host);
  const first = g[0] ?? 0;
  if (METADATA_ADDRESSES.has(g.map((x) => x.toString(16)).join(":"))) return "metadata";
  if (g.every((x) => x === 0)) return "unspecified";
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return "loopback";
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible addresses carry an IPv4 address.
  const v4 = (hi = 0, lo = 0) => classifyIpv4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || g[5] === 0)) return v4(g[6], g[7]);
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach the IPv4 address they carry.
  if (first === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return v4(g[6], g[7]);
  if (first === 0x2002) return v4(g[1], g[2]);
  if ((first & 0xff00) === 0xff00) return "reserved"; // multicast
  if ((first & 0xffc0) === 0xfe80) return "link-local";
  if ((first & 0xfe00) === 0xfc00) return "private"; // fc00::/7 unique local (fd00:ec2::254 is AWS metadata)
  return "public";
}

/** Classifies a host name or IP literal (IPv6 may be bracketed). Names are not resolved. */
export function classifyHost(rawHost: string): HostClass {
  const host = rawHost.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
  const v4 = ipv4Octets(host);
  if (v4) return classifyIpv4(v4);
  if (isIP(host) === 6) return classifyIpv6(host.replace(/%.*$/, ""));
  if (host === "" || host === "localhost" || host.endsWith(".localhost")) return host === "" ? "unspecified" : "loopback";
  if (METADATA_NAMES.has(host)) return "metadata";
  return "public";
}

/** Classes no connector may ever be pointed at. `private` stays allowed for on-premises vCenters. */
export function isForbiddenHost(host: string): boolean {
  return isForbiddenClass(classifyHost(host));
}

export function isForbiddenClass(c: HostClass): boolean {
  return c === "loopback" || c === "link-local" || c === "metadata" || c === "unspecified" || c === "reserved";
}

export const LAB_SCHEME = "lab://";
const LAB_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface ManagerAddress {
  kind: "lab";
  /** The canonical address ("lab://<name>"). */
  address: string;
  name: string;
}

/**
 * Checks a hypervisor manager's network address before any I/O. Only `lab://<name>` has a
 * connector today; any other address is refused, and loopback, link-local and metadata targets
 * are refused by name so that adding an http(s) connector cannot open an SSRF path.
 */
export function parseManagerAddress(raw: string): ManagerAddress {
  const address = raw.trim();
  if (address.toLowerCase().startsWith(LAB_SCHEME)) {
    const name = address.slice(LAB_SCHEME.length);
    if (!LAB_NAME.test(name)) {
      throw AppError.badRequest(`networkAddress '${address}': a lab name is 1-63 lower-case letters, digits or '-', starting with a letter or digit`);
    }
    return { kind: "lab", address: `${LAB_SCHEME}${name}`, name };
  }
  const host = hostOf(address);
  if (host === undefined) throw AppError.badRequest(`networkAddress '${address}' is not a host name, IP address or URL`);
  if (isForbiddenHost(host)) {
    throw AppError.badRequest(`networkAddress '${address}' is a ${classifyHost(host)} address; the server never connects to it`);
  }
  throw AppError.badRequest(`networkAddress '${address}': no connector for it yet (only lab://<name> addresses are supported)`);
}

/** The host part of an address given as a URL, host:port or a bare host; undefined if none. */
function hostOf(address: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(address) && !/^[^:/]+:\d+$/.test(address)) {
    try {
      const url = new URL(address);
      return url.hostname === "" ? undefined : url.hostname;
    } catch {
      return undefined;
    }
  }
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed?.[1]) return bracketed[1];
  if (isIP(address) === 6) return address;
  const m = /^([^:/\s]+)(?::\d+)?$/.exec(address);
  return m?.[1];
}
