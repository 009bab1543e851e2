// The token endpoint's attempt limits and existence oracles (issue 16, items 2 and 3): slots are
// reserved before a secret is checked, one address cannot lock out a clean client, the proxy's
// forwarded address is used only when OBR_TRUST_PROXY says so, and an unknown client id answers
// like a wrong secret, in the same time. The rules for sprayed client ids are unit-tested beside
// the route (src/api/routes/token-routes.test.ts).
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, test } from "vitest";
import { expectError } from "../helpers/greenlake.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const attempt = (s: TestServer, clientId: string, secret: string, headers: Record<string, string> = {}) =>
  fetch(`${s.url}/as/token.oauth2`, {
    method: "POST",
    headers,
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: secret }),
  });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe("attempt limits", () => {
  test("100 parallel wrong secrets for one client: at most 10 are checked, the rest get 429", async () => {
    server = await startTestServer();
    const s = server;
    const statuses = await Promise.all(Array.from({ length: 100 }, (_, i) => attempt(s, s.admin.clientId, `wrong-${i}`).then((r) => r.status)));
    expect(statuses.filter((x) => x === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((x) => x === 429).length).toBeGreaterThanOrEqual(90);
    expect(statuses.every((x) => x === 401 || x === 429)).toBe(true);
  });

  test("X-Forwarded-For is the source only with OBR_TRUST_PROXY", async () => {
    for (const [trust, expected] of [["1", 200], ["0", 429]] as const) {
      server = await startTestServer({ OBR_TRUST_PROXY: trust });
      const s = server;
      for (let i = 0; i < 10; i++) await attempt(s, s.admin.clientId, `wrong-${i}`, { "x-forwarded-for": "198.51.100.1" });
      await expectError(await attempt(s, s.admin.clientId, s.admin.clientSecret, { "x-forwarded-for": "198.51.100.1" }), 429);
      expect((await attempt(s, s.admin.clientId, s.admin.clientSecret, { "x-forwarded-for": "198.51.100.2" })).status).toBe(expected);
      await s.stop();
      server = undefined;
    }
  });
});

describe("existence oracle", () => {
  test("an unknown client id answers like a wrong secret of a known one, in about the same time", async () => {
    server = await startTestServer();
    const s = server;
    // Two known clients, eight wrong secrets each: under the per-client limit of ten.
    const known = [s.admin, await s.client("read-only")];
    const timed = async (clientId: string) => {
      const start = performance.now();
      const r = await attempt(s, clientId, "not-the-secret");
      const ms = performance.now() - start;
      return { ms, status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    const knownMs: number[] = [];
    const unknownMs: number[] = [];
    for (let i = 0; i < 16; i++) {
      const k = await timed(known[i % 2]!.clientId);
      const u = await timed(randomUUID());
      expect([k.status, u.status]).toEqual([401, 401]);
      expect({ ...k.body, debugId: "" }).toEqual({ ...u.body, debugId: "" });
      knownMs.push(k.ms);
      unknownMs.push(u.ms);
    }
    // Medians within a factor of two (before: ~1 ms against ~35 ms).
    const ratio = median(knownMs) / median(unknownMs);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});
