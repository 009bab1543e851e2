// The network probe behind gateway ping/traceroute: one TCP connect, timed. An accepted or
// refused connection both prove that the host answered; a timeout or an unreachable network
// does not. (ICMP needs privileges and a `ping` binary the server cannot count on.)
import { connect } from "node:net";
import type { NetworkProbe, ProbeResult } from "../services/infrastructure/network-tests.ts";

export const tcpProbe: NetworkProbe = {
  probe(host, port, timeoutMs) {
    const started = performance.now();
    return new Promise<ProbeResult>((resolve) => {
      const socket = connect({ host, port });
      const done = (reachable: boolean, detail: string) => {
        socket.destroy();
        resolve({ reachable, detail, roundTripMs: Math.round((performance.now() - started) * 1000) / 1000 });
      };
      socket.setTimeout(timeoutMs, () => done(false, `no answer within ${timeoutMs} ms`));
      socket.once("connect", () => done(true, `connection accepted on port ${port}`));
      socket.once("error", (err: NodeJS.ErrnoException) => done(err.code === "ECONNREFUSED", err.code === "ECONNREFUSED" ? `connection refused on port ${port} (the host answered)` : `${err.code ?? err.message}`));
    });
  },
};
