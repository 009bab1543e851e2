// Retries of 429/503 honour Retry-After (seconds or date), back off without it, resend the same
// body, and stop after the attempt limit with the server's last answer.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { retryAfterMs, retryingFetch } from "./retry.ts";

const answers: Array<{ status: number; retryAfter?: string }> = [];
const bodies: string[] = [];
let url = "";
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    bodies.push(body);
    const next = answers.shift() ?? { status: 200 };
    res.writeHead(next.status, next.retryAfter ? { "retry-after": next.retryAfter } : {});
    res.end(String(next.status));
  });
});
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

test("Retry-After as seconds and as an HTTP date", () => {
  expect(retryAfterMs("3", 0)).toBe(3000);
  expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
  expect(retryAfterMs("soon", 0)).toBeUndefined();
  expect(retryAfterMs(null, 0)).toBeUndefined();
});

test("429 and 503 are retried with the waits the server asked for, the body sent again each time", async () => {
  const waits: number[] = [];
  answers.push({ status: 429, retryAfter: "2" }, { status: 503 }, { status: 200 });
  bodies.length = 0;
  const f = retryingFetch(fetch, { baseDelayMs: 100, sleep: async (ms) => void waits.push(ms) });
  const res = await f(url, { method: "POST", body: "payload" });
  expect(res.status).toBe(200);
  expect(waits).toEqual([2000, 200]);
  expect(bodies).toEqual(["payload", "payload", "payload"]);
});

test("gives up after the attempt limit with the last answer; other statuses are not retried", async () => {
  answers.push({ status: 503 }, { status: 503 });
  const f = retryingFetch(fetch, { attempts: 2, sleep: async () => {} });
  expect((await f(url)).status).toBe(503);
  answers.push({ status: 500 }, { status: 200 });
  expect((await f(url)).status).toBe(500);
  answers.length = 0;
});
