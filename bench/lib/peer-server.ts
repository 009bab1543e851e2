// Reference servers for bench:api, run in their own process: a bare Fastify route (the ceiling),
// and the naive hand-written route the issue compares against (better-sqlite3, count(*) and
// JSON.parse per row, Fastify serialising the result).
import Database from "better-sqlite3";
import Fastify from "fastify";

const [port, dbPath, customerId] = process.argv.slice(2);
const app = Fastify({ logger: false });
app.get("/bare", async () => ({ hello: "world" }));
if (dbPath && customerId) {
  const db = new Database(dbPath, { readonly: true });
  const page = db.prepare(
    "select doc from async_operations where customer_id = ? and state = ? and created_at > ? order by created_at desc limit ? offset ?",
  );
  const count = db.prepare("select count(*) as n from async_operations where customer_id = ? and state = ? and created_at > ?");
  app.get<{ Querystring: { since: string } }>("/naive", async (request) => {
    const since = request.query.since;
    const items = page.all(customerId, "SUCCEEDED", since, 100, 0).map((r) => JSON.parse((r as { doc: string }).doc));
    const total = (count.get(customerId, "SUCCEEDED", since) as { n: number }).n;
    return { items, count: items.length, offset: 0, total };
  });
}
await app.listen({ host: "127.0.0.1", port: Number(port) });
process.stdout.write("ready\n");
