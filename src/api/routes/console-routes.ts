// Serves the web console (console/, built into console/dist by `npm install`): its files from
// memory with their content types, hashed assets cached for a year, and index.html for the
// console's own pages (client-side routes) only, so no API path is ever shadowed. A server
// without a built console answers its pages with a message saying how to build it.
import { readdir, readFile } from "node:fs/promises";
import { extname, join, relative, sep } from "node:path";
import { gzipSync } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { CONSOLE_PAGES } from "./console-pages.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".svg", ".json", ".txt"]);

// The console talks to this server only: scripts, styles, images and API calls from 'self'.
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

interface StaticFile {
  body: Buffer;
  gzip: Buffer | undefined;
  type: string;
  cache: string;
}

async function filesOf(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function load(dist: string): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  for (const path of await filesOf(dist)) {
    const url = `/${relative(dist, path).split(sep).join("/")}`;
    const ext = extname(path);
    const body = await readFile(path);
    // Vite names everything under assets/ by its content hash: a changed file gets a new name.
    const cache = url.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache";
    files.set(url, { body, gzip: COMPRESSIBLE.has(ext) && body.length > 1024 ? gzipSync(body) : undefined, type: TYPES[ext] ?? "application/octet-stream", cache });
  }
  return files;
}

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile): FastifyReply {
  reply.header("content-type", file.type).header("cache-control", file.cache).header("x-content-type-options", "nosniff");
  if (file.type.startsWith("text/html")) reply.header("content-security-policy", CSP).header("referrer-policy", "no-referrer");
  if (!file.gzip) return reply.send(file.body);
  reply.header("vary", "accept-encoding");
  if (!/\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""))) return reply.send(file.body);
  return reply.header("content-encoding", "gzip").send(file.gzip);
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>obr: console not built</title>
<h1>The web console is not built</h1>
<p>This server found no <code>console/dist/index.html</code>. Build it with <code>npm install</code> (or
<code>npx vite build console</code>) and restart the server. The API works without it: see <a href="/docs">/docs</a>.</p>`;

/** Registers the console's routes; `dist` is the built console (OBR_CONSOLE_DIR). */
export async function consoleRoutes(app: FastifyInstance, dist: string): Promise<void> {
  const files = await load(dist);
  const index = files.get("/index.html");
  const page = (_request: FastifyRequest, reply: FastifyReply) => {
    if (index) return send(_request, reply, index);
    return reply.code(404).header("content-type", "text/html; charset=utf-8").header("cache-control", "no-cache").send(NOT_BUILT);
  };
  const config = { public: true };
  const schema = { hide: true };
  app.get("/", { config, schema }, page);
  for (const name of CONSOLE_PAGES) {
    app.get(`/${name}`, { config, schema }, page);
    app.get(`/${name}/*`, { config, schema }, page);
  }
  for (const [url, file] of files) {
    if (url === "/index.html") continue;
    app.get(url, { config, schema }, (request, reply) => send(request, reply, file));
  }
}
