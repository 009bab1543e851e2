import { describe, expect, test } from "vitest";
import { AttemptLimiter } from "../../auth/attempt-limiter.ts";
import type { Principal } from "../../auth/tokens.ts";
import { AppError } from "../../domain/app-error.ts";
import type { ApiClientService } from "../../services/api-clients.ts";
import { limitedAuthenticate } from "./token-routes.ts";

// Credential checks take a while (scrypt); the fake takes a few milliseconds and counts them.
function fakeClients(secrets: Record<string, string>) {
  const calls = { count: 0 };
  const authenticate = async (id: string, secret: string): Promise<Principal | undefined> => {
    calls.count++;
    await new Promise((r) => setTimeout(r, 5));
    return secrets[id] === secret ? { id, clientId: id, customerId: "ws", role: "operator" } : undefined;
  };
  const clients: Pick<ApiClientService, "authenticate"> = { authenticate };
  return { clients, calls };
}

const deps = (secrets: Record<string, string>) => {
  const { clients, calls } = fakeClients(secrets);
  return { calls, deps: { clients, limiter: new AttemptLimiter(10), sourceLimiter: new AttemptLimiter(100) } };
};

const outcome = (p: Promise<Principal | undefined>) =>
  p.then(
    (principal) => (principal ? 200 : 401),
    (err: unknown) => (err instanceof AppError ? err.httpStatusCode : 500),
  );

describe("limitedAuthenticate", () => {
  test("reserves before checking: of 100 parallel wrong secrets at most 10 are checked", async () => {
    const { deps: d, calls } = deps({ a: "right" });
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => outcome(limitedAuthenticate(d, "10.0.0.1", { id: "a", secret: `w${i}` }, undefined))));
    expect(calls.count).toBe(10);
    expect(results.filter((r) => r === 401)).toHaveLength(10);
    expect(results.filter((r) => r === 429)).toHaveLength(90);
  });

  test("a sprayed address: unknown ids get 429, a clean client's right secret still gets in, once at a time", async () => {
    const { deps: d, calls } = deps({ good: "right", other: "right" });
    for (let i = 0; i < 100; i++) await outcome(limitedAuthenticate(d, "10.0.0.2", { id: `spray-${i}`, secret: "x" }, undefined));
    expect(await outcome(limitedAuthenticate(d, "10.0.0.2", { id: "spray-new", secret: "x" }, undefined))).toBe(429);
    expect(await outcome(limitedAuthenticate(d, "10.0.0.2", { id: "spray-1", secret: "x" }, undefined))).toBe(429);
    expect(await outcome(limitedAuthenticate(d, "10.0.0.2", { id: "good", secret: "right" }, undefined))).toBe(200);
    // Parallel attempts of one clean id under the lockout: one check, the rest 429.
    const before = calls.count;
    const parallel = await Promise.all(Array.from({ length: 20 }, () => outcome(limitedAuthenticate(d, "10.0.0.2", { id: "other", secret: "wrong" }, undefined))));
    expect(calls.count - before).toBe(1);
    expect(parallel.every((r) => r === 429)).toBe(true);
    expect(await outcome(limitedAuthenticate(d, "10.0.0.2", { id: "other", secret: "right" }, undefined))).toBe(429);
    // Another address is not affected.
    expect(await outcome(limitedAuthenticate(d, "10.0.0.3", { id: "other", secret: "right" }, undefined))).toBe(200);
  });

  test("a success frees its slot; a wrong workspace is a failure", async () => {
    const { deps: d } = deps({ a: "right" });
    for (let i = 0; i < 20; i++) expect(await outcome(limitedAuthenticate(d, "10.0.0.4", { id: "a", secret: "right" }, undefined))).toBe(200);
    for (let i = 0; i < 10; i++) expect(await outcome(limitedAuthenticate(d, "10.0.0.4", { id: "a", secret: "right" }, "not-ws"))).toBe(401);
    expect(await outcome(limitedAuthenticate(d, "10.0.0.4", { id: "a", secret: "right" }, undefined))).toBe(429);
  });
});
