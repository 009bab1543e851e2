// The web console's static files as the server serves them: content types, caching of hashed
// assets, index.html for the console's pages only (never for an API path), gzip, and a clear
// answer when no console is built. A fake build in a temp dir stands in for console/dist.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CONSOLE_PAGES } from "../../src/api/routes/console-pages.ts";
import { startTestServer, type TestServer } from "../helpers/test-server.ts";

const INDEX = "<!doctype html><title>obr console</title><script type=module src=/assets/index-abc123.js></script>";
const SCRIPT = `console.log(${JSON.stringify("x".repeat(4000))});`;

let dist: string;
let server: TestServer;
let bare: TestServer;

beforeAll(async () => {
  dist = await mkdtemp(join(tmpdir(), "obr-console-"));
  await mkdir(join(dist, "assets"));
  await writeFile(join(dist, "index.html"), INDEX);
  await writeFile(join(dist, "favicon.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");
  await writeFile(join(dist, "assets", "index-abc123.js"), SCRIPT);
  await writeFile(join(dist, "assets", "index-def456.css"), "body{}");
  server = await startTestServer({ OBR_CONSOLE_DIR: dist });
  bare = await startTestServer({ OBR_CONSOLE_DIR: join(dist, "missing") });
});

afterAll(async () => {
  await server?.stop();
  await bare?.stop();
  await rm(dist, { recursive: true, force: true });
});

const get = (s: TestServer, path: string, headers: Record<string, string> = {}) => fetch(`${s.url}${path}`, { headers });

describe("web console files", () => {
  test("/ and every console page (with deeper paths) answer index.html, not cached, with a Content-Security-Policy that allows only this server", async () => {
    for (const path of ["/", ...CONSOLE_PAGES.map((p) => `/${p}`), "/inventory/3f1c0d6e-1111-2222-3333-444455556666", "/policies/new", "/operations?state=FAILED"]) {
      const res = await get(server, path);
      expect([path, res.status]).toEqual([path, 200]);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
      expect(res.headers.get("content-security-policy")).toContain("connect-src 'self'");
      expect(await res.text()).toBe(INDEX);
    }
  });

  test("hashed assets: their content type, cached for a year; gzip when asked; HEAD without a body", async () => {
    const js = await get(server, "/assets/index-abc123.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(js.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await js.text()).toBe(SCRIPT);
    const css = await get(server, "/assets/index-def456.css");
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const svg = await get(server, "/favicon.svg");
    expect([svg.status, svg.headers.get("content-type"), svg.headers.get("cache-control")]).toEqual([200, "image/svg+xml", "no-cache"]);

    // node's fetch decodes gzip itself: ask with a raw request to see the encoded bytes
    const { request } = await import("node:http");
    const raw = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      request(`${server.url}/assets/index-abc123.js`, { headers: { "accept-encoding": "gzip" } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ encoding: res.headers["content-encoding"], body: Buffer.concat(chunks) }));
      })
        .on("error", reject)
        .end();
    });
    expect(raw.encoding).toBe("gzip");
    expect(gunzipSync(raw.body).toString()).toBe(SCRIPT);

    const head = await fetch(`${server.url}/assets/index-abc123.js`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  test("no token is needed for the console, and an unknown asset or path is the API's JSON 404", async () => {
    for (const path of ["/assets/index-nope.js", "/dashboardx", "/favicon.ico", "/index.htm"]) {
      const res = await get(server, path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(((await res.json()) as { errorCode: string }).errorCode).toBe("NOT_FOUND");
    }
  });

  test("the console never shadows the API: no console page is the first segment of a path in /openapi.json", async () => {
    const doc = (await (await get(server, "/openapi.json")).json()) as { paths: Record<string, unknown> };
    const firstSegments = new Set(Object.keys(doc.paths).map((p) => p.split("/")[1]));
    expect(CONSOLE_PAGES.filter((p) => firstSegments.has(p))).toEqual([]);
    // and the API answers as before next to it
    const api = await server.api("/backup-recovery/v1beta1/protection-policies");
    expect(api.status).toBe(200);
    const docs = await get(server, "/docs");
    expect(docs.status).toBe(200);
  });

  test("without a built console, / says how to build it", async () => {
    const res = await get(bare, "/");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await res.text()).toContain("npm install");
    expect((await get(bare, "/inventory")).status).toBe(404);
    expect((await bare.api("/backup-recovery/v1beta1/protection-policies")).status).toBe(200);
  });
});
