// Requests refused before any route runs (issue 16, item 8) still answer in the GreenLake error
// body and leave a log line with their debugId: over-long path parameters (414), bad
// percent-encoding (400), and headers or URLs too large for the HTTP parser (431).
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { POLICIES, assertErrorBody, expectError } from "../helpers/greenlake.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

/** One raw HTTP/1.1 exchange: what the server answered, before it closed the connection. */
function rawExchange(request: string): Promise<{ status: number; contentType: string | null; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let text = "";
    socket.on("data", (d) => {
      text += String(d);
    });
    socket.on("error", reject);
    socket.on("close", () => {
      const [head = "", body = ""] = text.split("\r\n\r\n");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
      const contentType = /^content-type:\s*(.+)$/im.exec(head)?.[1]?.trim() ?? null;
      resolve({ status, contentType, body });
    });
  });
}

const logged = (debugId: string) => server.logs.some((l) => l.debugId === debugId);

describe("error bodies of requests refused before routing", () => {
  test("an over-long id is 414 in the GreenLake body, logged with its debugId", async () => {
    const body = await expectError(await server.api(`${POLICIES}/${"a".repeat(300)}`), 414);
    expect(body.errorCode).toBe("URI_TOO_LONG");
    expect(logged(body.debugId)).toBe(true);
  });

  test("bad percent-encoding in the path is 400 in the GreenLake body, logged", async () => {
    const body = await expectError(await server.api(`${POLICIES}/%zz`), 400);
    expect(logged(body.debugId)).toBe(true);
  });

  test.each([
    ["headers", `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`],
    ["URL", `GET /health?x=${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`],
  ])("oversized %s are 431 in the GreenLake body, logged", async (_what, request) => {
    const r = await rawExchange(request);
    const body = assertErrorBody(431, r.body, r.contentType);
    expect(r.status).toBe(431);
    expect(body.errorCode).toBe("REQUEST_HEADER_FIELDS_TOO_LARGE");
    expect(logged(body.debugId)).toBe(true);
  });

  test("a malformed request line is 400 in the GreenLake body", async () => {
    const r = await rawExchange("NOT HTTP AT ALL\r\n\r\n");
    expect(r.status).toBe(400);
    assertErrorBody(400, r.body, r.contentType);
  });
});
