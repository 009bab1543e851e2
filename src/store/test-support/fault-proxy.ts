// An HTTP proxy in front of the test RGW that misbehaves on purpose: answers 503 SlowDown to
// the first `fail503` requests, cuts GET bodies short after announcing their full length, or
// (`stall`) takes requests and never answers, as a hung gateway or an overfull OSD does.
import { createServer, request } from "node:http";
import type { Server } from "node:http";

export interface FaultProxy {
  endpoint: string;
  /** requests seen, failed ones included */
  requests: number;
  fail503: number;
  truncateGets: boolean;
  stall: boolean;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const up = new URL(upstream);
  const state = { requests: 0, fail503: 0, truncateGets: false, stall: false };
  const stalled = new Set<import("node:http").ServerResponse>();
  const server: Server = createServer((req, res) => {
    state.requests++;
    if (state.stall) {
      req.resume();
      stalled.add(res);
      return;
    }
    if (state.fail503 > 0) {
      state.fail503--;
      req.resume();
      res.writeHead(503, { "content-type": "application/xml" }).end("<Error><Code>SlowDown</Code><Message>slow down</Message></Error>");
      return;
    }
    const fwd = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      if (state.truncateGets && req.method === "GET" && Number(upRes.headers["content-length"] ?? 0) > 1) {
        upRes.once("data", (d: Buffer) => {
          res.write(d.subarray(0, Math.max(1, Math.floor(d.length / 2))));
          upRes.destroy();
          res.destroy(); // the connection drops mid-body
        });
        return;
      }
      upRes.pipe(res);
    });
    fwd.on("error", () => res.destroy());
    req.pipe(fwd);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return Object.assign(state, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => {
      for (const res of stalled) res.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  });
}
