// The API's socket, bound before anything else starts: a busy port then fails before the data dir
// gets a database, keys or credentials (nothing half-made), and from the first moment the port
// answers, every request gets 503 until the application takes over (readiness probes and scripts
// see "starting", never a refused connection followed by half-initialised answers).
import { type IncomingMessage, type Server, type ServerResponse, createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { newRequestId } from "./request-id.ts";

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

export interface ListenOptions {
  host: string;
  port: number;
  /** PEM certificate chain and private key: serve HTTPS. */
  tls?: { cert: Buffer; key: Buffer } | undefined;
  version: string;
}

export interface Listener {
  readonly server: Server;
  /** http(s)://host:port as clients reach it (the real port when 0 was asked for). */
  readonly url: string;
  /** Hands every request from now on to `handler` (the application, once ready). */
  serve(handler: RequestHandler): void;
  /** Stops accepting, lets requests under way finish (cut after a grace period), then resolves. */
  close(): Promise<void>;
}

/** A start-up failure to report as one line: the port is taken, not permitted, or similar. */
export class StartupError extends Error {}

/** Keep-alive longer than common load balancers' idle timeouts (Fastify's default, kept). */
const KEEP_ALIVE_MS = 72_000;
const CLOSE_GRACE_MS = 2_000;

function starting(version: string): RequestHandler {
  return (request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    const body =
      path === "/health"
        ? { status: "starting", version }
        : { httpStatusCode: 503, errorCode: "SERVICE_UNAVAILABLE", message: "obr is starting; retry shortly", debugId: newRequestId() };
    response.writeHead(503, { "content-type": "application/json; charset=utf-8", "retry-after": "1" });
    response.end(JSON.stringify(body));
  };
}

function describe(err: NodeJS.ErrnoException, where: string): string {
  if (err.code === "EADDRINUSE") return `cannot listen on ${where}: the address is already in use (stop what uses it, or choose another with --listen or OBR_LISTEN)`;
  if (err.code === "EACCES") return `cannot listen on ${where}: permission denied (ports below 1024 need privileges; choose another with --listen or OBR_LISTEN)`;
  if (err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND") return `cannot listen on ${where}: no such local address`;
  return `cannot listen on ${where}: ${err.message}`;
}

export async function listen(options: ListenOptions): Promise<Listener> {
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }) : createHttpServer();
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  let handler: RequestHandler = starting(options.version);
  server.on("request", (request: IncomingMessage, response: ServerResponse) => handler(request, response));
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => reject(new StartupError(describe(err, `${host}:${options.port}`))));
    server.listen({ host: options.host, port: options.port }, resolve);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    server,
    url: `${options.tls ? "https" : "http"}://${host}:${port}`,
    serve(next) {
      handler = next;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
      });
    },
  };
}
