// Fuzzing the filter parameter of GET /data-services/v1beta1/async-operations: random Unicode,
// grammar-shaped token soup, generated expressions, truncated expressions and raw bytes. Every
// answer must be 200 (a list) or 400 (the GreenLake error body) — never 500, never a hang.
// app.inject runs the full Fastify pipeline (auth, validation, SQL) without sockets.
// 5 000 cases in `npm test`, 100 000 in `npm run test:slow` (test/helpers/tiers.ts), on each
// database; OBR_FUZZ_RUNS overrides both.
import fc from "fast-check";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { markFailed, markRunning, markSucceeded } from "../../src/services/async-operations.ts";
import { DEBUG_ID_RE, OPERATIONS } from "../helpers/greenlake.ts";
import { type TestServer, startTestServer, testDb } from "../helpers/test-server.ts";
import { cases, seed, timeLimit } from "../helpers/tiers.ts";

const TOTAL = Number(process.env.OBR_FUZZ_RUNS ?? cases(5_000, 100_000));
const share = (fraction: number) => Math.max(1, Math.round(TOTAL * fraction));

let server: TestServer;
let authorization: string;
const ids: string[] = [];
const statusCounts = new Map<number, number>();

beforeAll(async () => {
  server = await startTestServer({ OBR_EMBEDDED_WORKER: "0" });
  authorization = `Bearer ${server.admin.token}`;
  const customerId = server.admin.workspaceId;
  const userId = decodeJwt(server.admin.token).sub!;
  const ops = server.services.operations;
  const names = ["backup vm-1", "restore 'db'", 'say "hi"', "snapshot\u00e9\u4e2d\u{1F600}", "a%b_c\\d", "", "O'Brien", "x".repeat(300)];
  for (let i = 0; i < 30; i++) {
    const parentId = i > 5 && i % 3 === 0 ? ids[i % 5] : undefined;
    const op = await ops.create({
      customerId,
      userId,
      name: names[i % names.length]!,
      ...(parentId ? { parentId } : {}),
      associatedResources: i % 4 === 0 ? [{ type: "backup-recovery/protection-policy", resourceUri: `/r/${i}`, name: `res ${i}` }] : [],
    });
    ids.push(op.id);
    if (i % 5 === 1) await ops.change(customerId, op.id, markRunning);
    if (i % 5 === 2) await ops.change(customerId, op.id, (o) => markSucceeded(o, [{ type: "t", resourceUri: `/s/${i}` }]));
    if (i % 5 === 3) await ops.change(customerId, op.id, (o) => markFailed(o, `failure ${i}`, "CONFLICT"));
    if (i % 5 === 4) await ops.change(customerId, op.id, (o) => {
      o.progressPercent = i * 3;
      o.healthStatus = "WARNING";
    });
  }
}, 120_000);
afterAll(async () => {
  if (statusCounts.size > 0) console.log(`filter fuzz on ${testDb}: status counts ${JSON.stringify(Object.fromEntries(statusCounts))}`);
  await server?.stop();
});

const encode = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeURIComponent(s.toWellFormed()); // lone surrogates cannot be UTF-8 encoded
  }
};

/** Sends `query` (already encoded) and checks the answer; throws with details on a violation. */
async function check(query: string, label: string): Promise<void> {
  const res = await server.app.inject({ method: "GET", url: `${OPERATIONS}?${query}`, headers: { authorization } });
  statusCounts.set(res.statusCode, (statusCounts.get(res.statusCode) ?? 0) + 1);
  const fail = (why: string) => {
    throw new Error(`${why}\nfilter: ${JSON.stringify(label)}\nstatus ${res.statusCode}: ${res.body.slice(0, 500)}`);
  };
  if (res.statusCode !== 200 && res.statusCode !== 400) fail("status is neither 200 nor 400");
  if (!String(res.headers["content-type"] ?? "").startsWith("application/json")) fail("not JSON");
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    return fail("body is not JSON");
  }
  if (res.statusCode === 200) {
    if (!Array.isArray(body.items) || body.count !== body.items.length || typeof body.total !== "number" || body.offset !== 0) {
      fail("200 without a list envelope");
    }
    return;
  }
  const keys = Object.keys(body).sort().join(",");
  if (keys !== "debugId,errorCode,httpStatusCode,message") fail(`400 body has fields ${keys}`);
  if (body.httpStatusCode !== 400 || typeof body.errorCode !== "string" || typeof body.message !== "string") fail("bad 400 body");
  if (!DEBUG_ID_RE.test(String(body.debugId))) fail("bad debugId");
  if (/\n\s+at |node:internal|\.ts:\d+/.test(res.body)) fail("stack trace text in the body");
}
const sendFilter = (filter: string) => check(`filter=${encode(filter)}`, filter);

// Requests go in concurrent batches: the pipeline is cheap enough that awaiting one at a time
// would spend most of the time in the event loop. A failing batch shrinks to the failing input.
const BATCH = 16;
async function fuzz<T>(arb: fc.Arbitrary<T>, runs: number, send: (v: T) => Promise<void>): Promise<void> {
  const batches = Math.ceil(runs / BATCH);
  await fc.assert(
    fc.asyncProperty(fc.array(arb, { minLength: BATCH, maxLength: BATCH }), async (inputs) => {
      await Promise.all(inputs.map(send));
    }),
    { numRuns: batches, seed },
  );
}

// ---- grammar pieces ------------------------------------------------------------------------
const ATTRIBUTES = [
  "name", "state", "status", "healthStatus", "progressPercent", "generation", "createdAt", "updatedAt", "startedAt",
  "endedAt", "id", "customerId", "userId", "parent/id", "parent.id", "parent/resourceUri", "error/errorCode", "error/error",
  "associatedResources/type", "associatedResources/name", "logMessages/message", "logMessages/timestamp", "hasChildOperations",
  "services", "groups/name", "suggestedPollingIntervalSeconds", "bogus", "parent", "logMessages", "error", "a/b/c/d/e/f/g/h/i",
  "Name", "_x", "$ref", "@odata", "1abc", "name/", "/name", "na me", "name..id",
];
const OPERATORS = ["eq", "ne", "gt", "ge", "lt", "le", "in", "EQ", "Ne", "like", "has", "=", "=="];
const KEYWORDS = ["and", "or", "not", "AND", "Or", "NOT", "contains", "startswith", "endswith", "null", "true", "false"];
const PUNCT = ["(", ")", ",", "'", '"', "\u201C", "\u201D", "\u2018", "\u2019", "''", '""', "+", "/", ".", "\\", "%", "_", "*", ";", "--"];
const LITERALS = [
  "'RUNNING'", "SUCCEEDED", "'FAILED'", "0", "-1", "100", "1.5", "1e309", "9007199254740993", "99999999999999999999999",
  "'2020-01-01T00:00:00Z'", "'2020-02-30T00:00:00Z'", "2024-01-01", "'2024-01-01T25:00:00Z'", "'0000-01-01'", "'+275760-09-13'",
  "'backup vm-1'", "backup+vm-1", '"say ""hi"""', "'O''Brien'", "\u201Cx\u201D", "'%'", "'_'", "'\\'", "'\u0000'", "'\u{1F600}'",
  "'a''", "''", '""', "null", "NULL", "true", "TRUE", "'true'", "NaN", "Infinity", "0x10", "'é'", "'\uD800'",
];

const token = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ATTRIBUTES) },
  { weight: 4, arbitrary: fc.constantFrom(...OPERATORS) },
  { weight: 3, arbitrary: fc.constantFrom(...KEYWORDS) },
  { weight: 4, arbitrary: fc.constantFrom(...PUNCT) },
  { weight: 4, arbitrary: fc.constantFrom(...LITERALS) },
  { weight: 1, arbitrary: fc.nat().map((i) => ids[i % Math.max(1, ids.length)] ?? "") }, // seeded ids (known at run time)
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
);
const separator = fc.constantFrom(" ", " ", " ", "", "  ", "\t", "\n", "+");
const tokenSoup = fc
  .array(fc.tuple(token, separator), { minLength: 1, maxLength: 25 })
  .map((parts) => parts.map(([t, s]) => t + s).join(""));

// Type-correct comparisons: these reach SQL (and mostly answer 200), which is where a 500 hides.
const word = fc.constantFrom("RUNNING", "SUCCEEDED", "FAILED", "INITIALIZED", "OK", "ERROR", "WARNING", "task", "CONFLICT", "t", "queued");
const quoted = fc.oneof(
  word.map((w) => `'${w}'`),
  fc.constantFrom("'backup vm-1'", "'O''Brien'", "\u201Csay \"hi\"\u201D", "'a%b_c\\d'", "''", "'\u{1F600}'", "'snapshot'"),
  fc.string({ maxLength: 8 }).map((v) => `'${v.replaceAll("'", "''")}'`),
);
const stringLit = fc.oneof(quoted, word, fc.nat().map((i) => `'${ids[i % Math.max(1, ids.length)] ?? ""}'`));
const intLit = fc.oneof(fc.integer({ min: -5, max: 120 }).map(String), fc.constantFrom("0", "100", "-0", "+5", "007"));
const dateLit = fc
  .date({ min: new Date("1999-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true })
  .chain((d) => fc.constantFrom(`'${d.toISOString()}'`, `'${d.toISOString().slice(0, 10)}'`, `'${d.toISOString().replace("Z", "+02:00")}'`, d.toISOString()));
const typed: [string[], fc.Arbitrary<string>][] = [
  [["name", "state", "status", "healthStatus", "id", "parent/id", "error/errorCode", "error/error", "associatedResources/type", "logMessages/message", "userId", "displayName", "services"], stringLit],
  [["progressPercent", "generation", "subtreeOperationCount", "suggestedPollingIntervalSeconds"], intLit],
  [["createdAt", "updatedAt", "startedAt", "endedAt", "logMessages/timestamp"], dateLit],
  [["hasChildOperations"], fc.constantFrom("true", "false", "TRUE")],
];
const typedComparison = fc.oneof(
  ...typed.map(([attrs, lit]) =>
    fc.oneof(
      fc.tuple(fc.constantFrom(...attrs), fc.constantFrom("eq", "ne", "gt", "ge", "lt", "le"), lit).map(([a, o, l]) => `${a} ${o} ${l}`),
      fc.tuple(fc.constantFrom(...attrs), fc.array(lit, { minLength: 1, maxLength: 4 })).map(([a, ls]) => `${a} in (${ls.join(",")})`),
      fc.tuple(fc.constantFrom(...attrs), fc.constantFrom("eq", "ne")).map(([a, o]) => `${a} ${o} null`),
    ),
  ),
  fc.tuple(fc.constantFrom("contains", "startswith"), fc.constantFrom(...typed[0]![0], ...typed[2]![0]), quoted).map(([f, a, l]) => `${f}(${a},${l})`),
  fc.tuple(stringLit, fc.constantFrom("services", "associatedResources/type", "logMessages/message", "name")).map(([l, a]) => `${l} in ${a}`),
);

// Expressions, recursively: mostly type-correct, some ill-typed (those must answer 400).
const { expr } = fc.letrec<{ expr: string; term: string; comparison: string }>((tie) => ({
  comparison: fc.oneof(
    { weight: 6, arbitrary: typedComparison },
    fc.tuple(fc.constantFrom(...ATTRIBUTES), fc.constantFrom("eq", "ne", "gt", "ge", "lt", "le"), fc.constantFrom(...LITERALS)).map(([a, o, l]) => `${a} ${o} ${l}`),
    fc.tuple(fc.constantFrom(...ATTRIBUTES), fc.array(fc.constantFrom(...LITERALS), { minLength: 1, maxLength: 4 })).map(([a, ls]) => `${a} in (${ls.join(",")})`),
    fc.tuple(fc.constantFrom(...LITERALS), fc.constantFrom(...ATTRIBUTES)).map(([l, a]) => `${l} in ${a}`),
    fc.tuple(fc.constantFrom("contains", "startswith"), fc.constantFrom(...ATTRIBUTES), fc.constantFrom(...LITERALS)).map(([f, a, l]) => `${f}(${a},${l})`),
  ),
  term: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    tie("comparison"),
    tie("expr").map((e) => `(${e})`),
    tie("term").map((t) => `not ${t}`),
  ),
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    tie("term"),
    fc.tuple(tie("term"), fc.constantFrom("and", "or", "AND", "Or"), tie("expr")).map(([a, op, b]) => `${a} ${op} ${b}`),
  ),
}));

// ---- properties -----------------------------------------------------------------------------
describe(`filter fuzz on ${testDb} (${TOTAL} cases)`, () => {
  test("sanity: the checker accepts a good filter and the seeded data is there", async () => {
    await sendFilter(`parent/id eq '${ids[0]}'`);
    const res = await server.app.inject({ method: "GET", url: `${OPERATIONS}?limit=1000`, headers: { authorization } });
    expect(JSON.parse(res.body).total).toBe(30);
    const bad = await server.app.inject({ method: "GET", url: `${OPERATIONS}?filter=${encode("name eq")}`, headers: { authorization } });
    expect(bad.statusCode).toBe(400);
  });

  test("known hostile inputs", async () => {
    const hostile = [
      "", " ", "(", ")", "((((((((((((((((((((name eq 'a'))))))))))))))))))))", `${"not ".repeat(500)}name eq 'a'`,
      Array.from({ length: 60 }, (_, i) => `name eq '${i}'`).join(" or "), "name eq '".padEnd(1999, "a"), "'".repeat(2000),
      "name eq 'a' ; drop table async_operations --", "name eq 'a') or ('1' eq '1", "name eq 'x' or 1 eq 1",
      "name eq '\u0000'", "contains(name,'\u0000')", "createdAt gt '\u0000'", "name in ()", "'a' in name", "'a' in services",
      "progressPercent gt 1e400", "progressPercent eq -0", "generation gt 9007199254740993", "hasChildOperations gt true",
      "startedAt eq null", "error eq null", "parent eq null", "logMessages/timestamp gt '2020-01-01'",
      "json_extract(doc,'$.name') eq 'a'", "doc eq 'x'", "customer_id eq 'x'", "name eq $1", "name eq ?",
    ];
    for (const f of hostile) await sendFilter(f);
    for (const raw of ["%", "%zz", "%ED%A0%80", "%00", "%C0%AF", "%FF%FE", "%E2%80", "name%20eq%20%27%E2%80%27"]) await check(`filter=${raw}`, raw);
    await check("filter=a&filter=b", "repeated");
    await check(`filter=${encode("name eq 'a'")}&sort=${encode("name desc")}&select=name`, "with sort/select");
  });

  test(`random Unicode strings (${share(0.25)})`, async () => {
    // Blank filters (fast-check's favourite) mean "no filter": covered once above, skipped here.
    const unicode = fc
      .oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ unit: "grapheme", maxLength: 40 }), fc.string({ maxLength: 80 }))
      .filter((s) => s.trim() !== "");
    await fuzz(unicode, share(0.25), sendFilter);
  }, timeLimit(120_000));

  test(`grammar-shaped token soup (${share(0.45)})`, async () => {
    await fuzz(tokenSoup, share(0.45), sendFilter);
  }, timeLimit(120_000));

  test(`generated expressions (${share(0.15)})`, async () => {
    await fuzz(expr, share(0.15), sendFilter);
  }, timeLimit(120_000));

  test(`truncated expressions (${share(0.12)})`, async () => {
    const truncated = fc.tuple(expr, fc.nat()).map(([e, n]) => e.slice(0, e.length === 0 ? 0 : n % e.length));
    await fuzz(truncated, share(0.12), sendFilter);
  }, timeLimit(120_000));

  test(`raw percent-encoded bytes (${share(0.03)})`, async () => {
    const raw = fc.uint8Array({ maxLength: 30 }).map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, "0")}`).join(""));
    await fuzz(raw, share(0.03), (q) => check(`filter=${q}`, q));
  }, timeLimit(120_000));

  test(`sort and select parameters too (${share(0.02)} each)`, async () => {
    const path = fc.oneof(fc.constantFrom(...ATTRIBUTES), fc.string({ maxLength: 12 }));
    const sort = fc
      .tuple(fc.array(fc.tuple(path, fc.constantFrom("", " asc", " desc", " DESC", " sideways", "+desc", "  asc ")), { maxLength: 5 }), fc.constantFrom(",", ", ", ",,"))
      .map(([keys, sep]) => keys.map(([p, d]) => p + d).join(sep));
    await fuzz(sort, share(0.02), (v) => check(`sort=${encode(v)}`, `sort=${v}`));
    const select = fc.array(path, { maxLength: 6 }).map((ps) => ps.join(","));
    await fuzz(select, share(0.02), (v) => check(`select=${encode(v)}`, `select=${v}`));
  }, timeLimit(120_000));

  test("the server is still healthy and the data unchanged afterwards", async () => {
    const res = await server.app.inject({ method: "GET", url: `${OPERATIONS}?limit=1000`, headers: { authorization } });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).total).toBe(30);
    expect(server.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
  });
});
