// OAuth2 client-credentials tokens, JWT verification on API routes, roles, API-client management,
// brute-force lockout and the JWKS — over real HTTP against a real server.
import { createHmac, randomUUID } from "node:crypto";
import { SignJWT, createLocalJWKSet, decodeJwt, decodeProtectedHeader, exportSPKI, generateKeyPair, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { API_CLIENTS, POLICIES, expectError, json, policyBody, sleep } from "../helpers/greenlake.ts";
import { storesOf } from "../helpers/stores.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

const form = (fields: Record<string, string>) => new URLSearchParams(fields);
const FORM = { "content-type": "application/x-www-form-urlencoded" };
/** RFC 6749 §2.3.1: each part form-urlencoded, then joined with ':' and base64-encoded. */
const basic = (id: string, secret: string) => {
  const enc = (s: string) => new URLSearchParams({ x: s }).toString().slice(2);
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString("base64")}`;
};
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
}

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

async function postToken(path: string, body: URLSearchParams, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${path}`, { method: "POST", headers: { ...FORM, ...headers }, body });
}

/** A token must be accepted on an API route. */
async function expectWorks(token: string) {
  const r = await server.api(POLICIES, { token });
  expect(r.status, await r.clone().text()).toBe(200);
}

async function expectTokenResponse(r: Response): Promise<TokenResponse> {
  const body = await json<TokenResponse>(r, 200);
  expect(Object.keys(body).sort()).toEqual(["access_token", "expires_in", "token_type"]);
  expect(body.token_type).toBe("Bearer");
  expect(body.expires_in).toBe(7200);
  expect(body.access_token.split(".")).toHaveLength(3);
  expect(r.headers.get("cache-control")).toMatch(/no-store/);
  const claims = decodeJwt(body.access_token);
  expect(claims.exp! - claims.iat!).toBe(7200);
  return body;
}

describe("token endpoints", () => {
  test("classic endpoint with form credentials (client_secret_post)", async () => {
    const { clientId, clientSecret } = server.admin;
    const r = await postToken("/as/token.oauth2", form({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret }));
    const body = await expectTokenResponse(r);
    await expectWorks(body.access_token);
  });

  test("classic endpoint with HTTP Basic (client_secret_basic)", async () => {
    const { clientId, clientSecret } = server.admin;
    const r = await postToken("/as/token.oauth2", form({ grant_type: "client_credentials" }), { authorization: basic(clientId, clientSecret) });
    await expectWorks((await expectTokenResponse(r)).access_token);
  });

  test("HTTP Basic credentials are form-urlencoded before base64 (secret with : + % and space)", async () => {
    const secret = `p:a+s%s w/o=rd-${randomUUID()}`;
    const c = await server.services.clients.create({ name: "odd secret", role: "read-only", clientSecret: secret });
    const r = await postToken("/as/token.oauth2", form({ grant_type: "client_credentials" }), { authorization: basic(c.clientId, secret) });
    await expectWorks((await expectTokenResponse(r)).access_token);
    const r2 = await postToken("/as/token.oauth2", form({ grant_type: "client_credentials", client_id: c.clientId, client_secret: secret }));
    await expectTokenResponse(r2);
  });

  test("workspace endpoint with form credentials and with HTTP Basic", async () => {
    const { clientId, clientSecret, workspaceId } = server.admin;
    const path = `/authorization/v2/oauth2/${workspaceId}/token`;
    const r1 = await postToken(path, form({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret }));
    const t1 = await expectTokenResponse(r1);
    expect(decodeJwt(t1.access_token).cid).toBe(workspaceId);
    await expectWorks(t1.access_token);
    const r2 = await postToken(path, form({ grant_type: "client_credentials" }), { authorization: basic(clientId, clientSecret) });
    await expectWorks((await expectTokenResponse(r2)).access_token);
  });

  test("workspace endpoint with another workspace's id → 401 invalid_client", async () => {
    const other = await server.client("read-only");
    const { clientId, clientSecret } = server.admin;
    const r = await postToken(
      `/authorization/v2/oauth2/${other.workspaceId}/token`,
      form({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret }),
    );
    const body = await expectError(r, 401, ["error"]);
    expect(body.error).toBe("invalid_client");
  });

  test("wrong secret → 401 with the GreenLake body and error invalid_client; no token", async () => {
    const r = await postToken(
      "/as/token.oauth2",
      form({ grant_type: "client_credentials", client_id: server.admin.clientId, client_secret: `${server.admin.clientSecret}x` }),
    );
    const body = await expectError(r, 401, ["error"]);
    expect(body.error).toBe("invalid_client");
    expect(body.errorCode).toBe("UNAUTHENTICATED");
    expect(JSON.stringify(body)).not.toContain("access_token");
  });

  test("unknown client id and missing credentials → 401 invalid_client", async () => {
    const r1 = await postToken("/as/token.oauth2", form({ grant_type: "client_credentials", client_id: randomUUID(), client_secret: "x" }));
    expect((await expectError(r1, 401, ["error"])).error).toBe("invalid_client");
    const r2 = await postToken("/as/token.oauth2", form({ grant_type: "client_credentials" }));
    expect((await expectError(r2, 401, ["error"])).error).toBe("invalid_client");
  });

  test("wrong or missing grant_type → 400 unsupported_grant_type", async () => {
    const { clientId, clientSecret } = server.admin;
    for (const grant of ["password", "authorization_code", ""]) {
      const r = await postToken("/as/token.oauth2", form({ grant_type: grant, client_id: clientId, client_secret: clientSecret }));
      const body = await expectError(r, 400, ["error"]);
      expect(body.error).toBe("unsupported_grant_type");
    }
    const r = await postToken("/as/token.oauth2", form({ client_id: clientId, client_secret: clientSecret }));
    expect((await expectError(r, 400, ["error"])).error).toBe("unsupported_grant_type");
  });
});

describe("bearer token verification on API routes", () => {
  const expect401 = async (headers: Record<string, string>) => {
    const r = await server.api(POLICIES, { token: null, headers });
    expect(r.headers.get("www-authenticate") ?? "").toMatch(/^Bearer/);
    const body = await expectError(r, 401);
    expect(body.errorCode).toBe("UNAUTHENTICATED");
  };
  const realClaims = () => {
    const claims = decodeJwt(server.admin.token);
    return { cid: claims.cid as string, role: claims.role as string, client_id: claims.client_id as string, sub: claims.sub! };
  };
  const sign = (claims: Record<string, unknown>, opts: { iss?: string; aud?: string; iat?: number; exp?: number } = {}) => {
    const { sub, ...rest } = claims as { sub: string };
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(rest)
      .setProtectedHeader({ alg: "RS256", kid: server.services.signingKey.kid, typ: "JWT" })
      .setSubject(sub)
      .setIssuer(opts.iss ?? "obr")
      .setAudience(opts.aud ?? "external_api")
      .setIssuedAt(opts.iat ?? now)
      .setExpirationTime(opts.exp ?? now + 600);
  };

  test("a token crafted with the server's key and real claims works (control for the negatives below)", async () => {
    await expectWorks(await sign(realClaims()).sign(server.services.signingKey.privateKey));
  });

  test("no Authorization header → 401", async () => {
    await expect401({});
  });

  test("garbage, empty and non-Bearer credentials → 401", async () => {
    await expect401({ authorization: "Bearer not-a-jwt" });
    await expect401({ authorization: "Bearer a.b.c" });
    await expect401({ authorization: "Bearer " });
    await expect401({ authorization: `Basic ${Buffer.from("a:b").toString("base64")}` });
    await expect401({ authorization: server.admin.token }); // no scheme
  });

  test("alg:none token with the real payload → 401", async () => {
    const payload = server.admin.token.split(".")[1]!;
    await expect401({ authorization: `Bearer ${b64url({ alg: "none", typ: "JWT" })}.${payload}.` });
    await expect401({ authorization: `Bearer ${b64url({ alg: "none" })}.${payload}.` });
  });

  test("HS256 token keyed with the server's public key (algorithm confusion) → 401", async () => {
    const pem = await exportSPKI(server.services.signingKey.publicKey);
    const header = b64url({ alg: "HS256", typ: "JWT", kid: server.services.signingKey.kid });
    const payload = server.admin.token.split(".")[1]!;
    const mac = createHmac("sha256", pem).update(`${header}.${payload}`).digest("base64url");
    await expect401({ authorization: `Bearer ${header}.${payload}.${mac}` });
  });

  test("token signed by another RSA key with the same claims and kid → 401", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    await expect401({ authorization: `Bearer ${await sign(realClaims()).sign(privateKey)}` });
  });

  test("real signature with a tampered payload (role raised) → 401", async () => {
    const ro = await server.client("read-only", server.admin.workspaceId);
    const [h, p, s] = ro.token.split(".");
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString()) as Record<string, unknown>;
    await expectWorks(ro.token);
    await expect401({ authorization: `Bearer ${h}.${b64url({ ...claims, role: "admin" })}.${s}` });
  });

  test("expired token signed by the server's key → 401", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await sign(realClaims(), { iat: now - 7200, exp: now - 120 }).sign(server.services.signingKey.privateKey);
    await expect401({ authorization: `Bearer ${token}` });
  });

  test("wrong audience → 401", async () => {
    const token = await sign(realClaims(), { aud: "other" }).sign(server.services.signingKey.privateKey);
    await expect401({ authorization: `Bearer ${token}` });
  });

  test("wrong issuer → 401", async () => {
    const token = await sign(realClaims(), { iss: "https://sso.example.com" }).sign(server.services.signingKey.privateKey);
    await expect401({ authorization: `Bearer ${token}` });
  });

  test("unknown role claim or a subject that is no API client → 401", async () => {
    const key = server.services.signingKey.privateKey;
    await expect401({ authorization: `Bearer ${await sign({ ...realClaims(), role: "root" }).sign(key)}` });
    await expect401({ authorization: `Bearer ${await sign({ ...realClaims(), sub: randomUUID() }).sign(key)}` });
  });
});

describe("roles", () => {
  test("read-only: GET 200, writes 403 FORBIDDEN", async () => {
    const ro = await server.client("read-only", server.admin.workspaceId);
    expect((await server.api(POLICIES, { token: ro.token })).status).toBe(200);
    const post = await server.api(POLICIES, { token: ro.token, method: "POST", json: policyBody(`ro-${randomUUID()}`) });
    expect((await expectError(post, 403)).errorCode).toBe("FORBIDDEN");
    // Nothing was created by the refused request.
    const list = await json<{ total: number; items: { name: string }[] }>(await server.api(`${POLICIES}?filter=startswith(name,'ro-')`), 200);
    expect(list.total).toBe(0);
    const created = await json<{ id: string }>(await server.api(POLICIES, { method: "POST", json: policyBody(`ro-target-${randomUUID()}`, { stores: await storesOf(server) }) }), 200);
    const patch = await server.api(`${POLICIES}/${created.id}`, { token: ro.token, method: "PATCH", json: { name: "renamed" } });
    await expectError(patch, 403);
    const del = await server.api(`${POLICIES}/${created.id}`, { token: ro.token, method: "DELETE" });
    await expectError(del, 403);
    expect((await server.api(`${POLICIES}/${created.id}`, { token: ro.token })).status).toBe(200);
    await expectError(await server.api(API_CLIENTS, { token: ro.token }), 403);
  });

  test("operator: may create policies, 403 on API-client management", async () => {
    const op = await server.client("operator", server.admin.workspaceId);
    await json(await server.api(POLICIES, { token: op.token, method: "POST", json: policyBody(`op-${randomUUID()}`, { stores: await storesOf(server) }) }), 200);
    expect((await expectError(await server.api(API_CLIENTS, { token: op.token }), 403)).errorCode).toBe("FORBIDDEN");
    await expectError(await server.api(API_CLIENTS, { token: op.token, method: "POST", json: { name: "x", role: "admin" } }), 403);
    await expectError(await server.api(`${API_CLIENTS}/${server.admin.clientId}`, { token: op.token, method: "DELETE" }), 403);
    const list = await json<{ items: unknown[] }>(await server.api(API_CLIENTS), 200);
    expect(list.items.length).toBeGreaterThan(0);
  });
});

describe("API-client management", () => {
  interface ClientView {
    id: string;
    clientId: string;
    name: string;
    role: string;
    workspaceId: string;
    createdAt: string;
    clientSecret?: string;
  }

  test("admin creates (secret shown once), lists (no secret) and deletes clients; the deleted client's token stops working", async () => {
    const name = `ci-${randomUUID()}`;
    const created = await json<ClientView>(await server.api(API_CLIENTS, { method: "POST", json: { name, role: "operator" } }), 201);
    expect(created.name).toBe(name);
    expect(created.role).toBe("operator");
    expect(created.workspaceId).toBe(server.admin.workspaceId);
    expect(typeof created.clientSecret).toBe("string");
    expect(created.clientSecret!.length).toBeGreaterThanOrEqual(32);

    const listText = await (await server.api(API_CLIENTS)).text();
    const list = JSON.parse(listText) as { items: ClientView[]; count: number };
    const listed = list.items.find((c) => c.id === created.id);
    expect(listed).toBeDefined();
    expect(listed).not.toHaveProperty("clientSecret");
    expect(listText).not.toContain(created.clientSecret!);
    expect(listText).not.toMatch(/secret|scrypt/i);
    expect(list.count).toBe(list.items.length);
    expect(list.items.every((c) => c.workspaceId === server.admin.workspaceId)).toBe(true);

    // The secret works, and its token too.
    const r = await postToken(
      "/as/token.oauth2",
      form({ grant_type: "client_credentials", client_id: created.clientId, client_secret: created.clientSecret! }),
    );
    const { access_token } = await expectTokenResponse(r);
    await expectWorks(access_token);

    expect((await server.api(`${API_CLIENTS}/${created.id}`, { method: "DELETE" })).status).toBe(204);
    const after = await json<{ items: ClientView[] }>(await server.api(API_CLIENTS), 200);
    expect(after.items.some((c) => c.id === created.id)).toBe(false);
    await expectError(await server.api(`${API_CLIENTS}/${created.id}`, { method: "DELETE" }), 404);

    // The existence cache lasts 5 s: within 7 s the token must be refused.
    const deadline = Date.now() + 7000;
    let status = 0;
    while (Date.now() < deadline) {
      const res = await server.api(POLICIES, { token: access_token });
      status = res.status;
      if (status === 401) {
        await expectError(res, 401);
        break;
      }
      await sleep(250);
    }
    expect(status).toBe(401);
  });

  test("admin cannot delete itself, and validation errors are 400", async () => {
    await expectError(await server.api(`${API_CLIENTS}/${server.admin.clientId}`, { method: "DELETE" }), 400);
    await expectError(await server.api(API_CLIENTS, { method: "POST", json: { name: "x", role: "superuser" } }), 400);
    await expectError(await server.api(API_CLIENTS, { method: "POST", json: { role: "admin" } }), 400);
    await expectError(await server.api(API_CLIENTS, { method: "POST", json: { name: "x", role: "admin", secret: "mine" } }), 400);
  });

  test("admin cannot delete a client of another workspace (404, and it keeps working)", async () => {
    const other = await server.client("admin");
    await expectError(await server.api(`${API_CLIENTS}/${other.clientId}`, { method: "DELETE" }), 404);
    await expectWorks(other.token);
  });
});

describe("JWKS", () => {
  test("publishes the signing key with its kid and no private parts; issued tokens verify against it", async () => {
    const r = await fetch(`${server.url}/.well-known/jwks.json`);
    const jwks = await json<{ keys: Record<string, unknown>[] }>(r, 200);
    expect(jwks.keys).toHaveLength(1);
    const key = jwks.keys[0]!;
    expect(key.kty).toBe("RSA");
    expect(key.kid).toBe(decodeProtectedHeader(server.admin.token).kid);
    for (const priv of ["d", "p", "q", "dp", "dq", "qi"]) expect(key).not.toHaveProperty(priv);
    const { payload, protectedHeader } = await jwtVerify(server.admin.token, createLocalJWKSet(jwks as never), {
      issuer: "obr",
      audience: "external_api",
    });
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload.cid).toBe(server.admin.workspaceId);
    // A token of another key does not verify against it.
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await new SignJWT({}).setProtectedHeader({ alg: "RS256", kid: key.kid as string }).sign(privateKey);
    await expect(jwtVerify(forged, createLocalJWKSet(jwks as never))).rejects.toThrow();
  });
});

describe("brute force", () => {
  let fresh: TestServer;
  beforeAll(async () => {
    fresh = await startTestServer();
  });
  afterAll(async () => {
    await fresh?.stop();
  });

  test("10 failed token requests, then the next (even with the right secret) gets 429 with Retry-After", async () => {
    const { clientId, clientSecret } = fresh.admin;
    const attempt = (secret: string) =>
      fetch(`${fresh.url}/as/token.oauth2`, {
        method: "POST",
        headers: FORM,
        body: form({ grant_type: "client_credentials", client_id: clientId, client_secret: secret }),
      });
    for (let i = 0; i < 10; i++) await expectError(await attempt(`wrong-${i}`), 401, ["error"]);
    const locked = await attempt("wrong-again");
    const retryAfter = Number(locked.headers.get("retry-after"));
    const body = await expectError(locked, 429);
    expect(body.errorCode).toBe("TOO_MANY_REQUESTS");
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Locked out means locked out: the right secret does not reveal itself by a 200.
    const right = await attempt(clientSecret);
    expect(right.status).toBe(429);
    expect(right.headers.get("retry-after")).toMatch(/^\d+$/);
    // Tokens issued before keep working on API routes.
    expect((await fresh.api(POLICIES)).status).toBe(200);
  });
});
