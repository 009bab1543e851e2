// The SSRF guard for network connectors, deciding on the address actually connected to: a name
// that resolves to loopback, link-local, a metadata service, an unspecified or reserved address
// (127.0.0.1.nip.io, a DNS rebinding) is refused at connect time, after resolution, whatever the
// name looked like. Private ranges are allowed by default (on-premises vCenters live there) and
// can be refused too. Redirects are never followed: a connector talks to the address it was given.
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { type LookupFunction, isIP } from "node:net";
import type { Duplex } from "node:stream";
import { AppError } from "../domain/app-error.ts";
import { classifyHost, isForbiddenClass } from "../domain/network-address.ts";

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export interface AddressGuardOptions {
  /** Refuse 10/8, 172.16/12, 192.168/16, 100.64/10 and fc00::/7 too (default: allowed). */
  refusePrivate?: boolean;
  /** Resolves a name to all its addresses; the system resolver by default (tests inject one). */
  resolve?: Resolver;
}

const systemResolve: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

/** Why the server must not connect to this IP address, or undefined when it may. */
export function refusalOf(address: string, options: AddressGuardOptions = {}): string | undefined {
  const c = classifyHost(address);
  if (isForbiddenClass(c) || (c === "private" && options.refusePrivate)) return `${address} is a ${c} address; the server never connects to it`;
  return undefined;
}

function refused(host: string, reason: string): AppError {
  return AppError.badRequest(`cannot connect to ${host}: ${reason}`);
}

/**
 * A `lookup` for net/http/https: resolves, refuses the name when any of its addresses is
 * forbidden (a name must not be able to pick a forbidden one later), and hands the rest on.
 */
export function guardedLookup(options: AddressGuardOptions = {}): LookupFunction {
  const resolve = options.resolve ?? systemResolve;
  return (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const reason = addresses.length === 0 ? "the name has no address" : addresses.map((a) => refusalOf(a.address, options)).find((r) => r !== undefined);
        if (reason) return callback(refused(hostname, reason), "", 0);
        const family = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : undefined;
        const usable = family ? addresses.filter((a) => a.family === family) : addresses;
        if (lookupOptions.all) return callback(null, usable);
        const first = usable[0];
        if (!first) return callback(refused(hostname, `no IPv${family} address`), "", 0);
        callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, "", 0),
    );
  };
}

/** Refuses an IP literal (Node connects to those without calling `lookup`). */
function checkLiteral(host: string | undefined, options: AddressGuardOptions): void {
  const bare = (host ?? "").replace(/^\[(.*)\]$/, "$1");
  if (isIP(bare) === 0) return;
  const reason = refusalOf(bare, options);
  if (reason) throw refused(bare, reason);
}

type ConnectArgs = Parameters<HttpAgent["createConnection"]>;

/** An http or https agent whose every connection passes the guard. */
export function guardedAgent(protocol: "http:" | "https:", options: AddressGuardOptions = {}): HttpAgent {
  const lookup = guardedLookup(options);
  const Base = protocol === "https:" ? HttpsAgent : HttpAgent;
  const agent = new Base({ lookup });
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (connectOptions: ConnectArgs[0], callback?: ConnectArgs[1]): Duplex | null | undefined => {
    checkLiteral(connectOptions.host ?? undefined, options);
    return create({ ...connectOptions, lookup }, callback);
  };
  return agent;
}

/**
 * One guarded HTTP(S) request: the response, or a 400 AppError when the target is forbidden or
 * answers with a redirect (which is never followed). The caller reads and closes the body.
 */
export function guardedRequest(url: URL, init: { method?: string; headers?: Record<string, string> } = {}, options: AddressGuardOptions = {}): Promise<IncomingMessage> {
  if (url.protocol !== "http:" && url.protocol !== "https:") return Promise.reject(AppError.badRequest(`${url.protocol} is not http or https`));
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let agent: HttpAgent;
    try {
      agent = guardedAgent(url.protocol === "https:" ? "https:" : "http:", options);
    } catch (err) {
      return reject(err);
    }
    const req = send(url, { method: init.method ?? "GET", headers: init.headers ?? {}, agent }, (res) => {
      if ((res.statusCode ?? 0) >= 300 && (res.statusCode ?? 0) < 400) {
        res.resume();
        agent.destroy();
        return reject(AppError.badRequest(`${url.host} answered with a redirect (${res.statusCode}); redirects are not followed`));
      }
      res.once("close", () => agent.destroy());
      resolve(res);
    });
    req.on("error", (err) => {
      agent.destroy();
      reject(err);
    });
    req.end();
  });
}
