// A real server process killed (SIGKILL) at random moments right after it acknowledged work:
// after a restart every acknowledged operation still exists and reaches a terminal state.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createDemoLab } from "../../src/connectors/lab/demo-lab.ts";
import { embeddedDataOrchestratorId } from "../../src/services/inventory/data-orchestrators.ts";
import { killProcess, processToken, serveProcess } from "../helpers/obr-process.ts";
import { testDatabase } from "../helpers/test-server.ts";
import { cases, seededRandom, timeLimit } from "../helpers/tiers.ts";

const TERMINAL = ["SUCCEEDED", "FAILED", "CANCELLED", "TIMEDOUT"];
const ROUNDS = cases(4, 25);

let dataDir: string;
let database: ReturnType<typeof testDatabase>;
const serve = () => serveProcess(dataDir, database.url, { OBR_JOB_LEASE_SECONDS: "1" });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "obr-crash-"));
  database = testDatabase(dataDir);
  await createDemoLab(join(dataDir, "lab"), "demo");
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await database.drop();
});

test("operations acknowledged before a SIGKILL survive it and end SUCCEEDED or FAILED after a restart", async () => {
  const acknowledged: string[] = [];
  let managerId: string | undefined;
  const random = seededRandom();
  for (let round = 0; round < ROUNDS; round++) {
    const server = await serve();
    const { url } = server;
    const auth = { authorization: `Bearer ${await processToken(url)}`, "content-type": "application/json" };
    let res: Response;
    if (round === 0) {
      const workspace = JSON.parse(Buffer.from((auth.authorization.split(".")[1] ?? ""), "base64url").toString()).cid as string;
      res = await fetch(`${url}/backup-recovery/v1alpha1/hypervisor-managers`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({
          networkAddress: "lab://demo",
          hypervisorManagerType: "VMWARE_VCENTER",
          dataOrchestratorId: embeddedDataOrchestratorId(workspace),
          credentials: { username: "administrator@vsphere.local", password: "-" },
        }),
      });
      expect(res.status).toBe(202);
    } else {
      const list = (await (await fetch(`${url}/virtualization/v1beta1/hypervisor-managers`, { headers: auth })).json()) as { items: { id: string }[] };
      managerId ??= list.items[0]?.id;
      if (!managerId) {
        await killProcess(server);
        continue;
      }
      res = await fetch(`${url}/virtualization/v1beta1/hypervisor-managers/${managerId}/refresh`, { method: "POST", headers: auth, body: "{}" });
      expect([202, 409]).toContain(res.status);
    }
    const location = res.headers.get("location");
    if (res.status === 202 && location) acknowledged.push(location);
    // Die at a random instant within the work's first moments (possibly before it starts).
    await new Promise((r) => setTimeout(r, Math.floor(random() * 150)));
    await killProcess(server);
  }

  const server = await serve();
  const { url } = server;
  try {
    const auth = { authorization: `Bearer ${await processToken(url)}` };
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const location of acknowledged) {
      const deadline = Date.now() + 30_000;
      let op: { state: string; status: string; error?: { error: string } };
      for (;;) {
        const r = await fetch(`${url}${location}`, { headers: auth });
        expect(r.status).toBe(200); // acknowledged means durable
        op = (await r.json()) as typeof op;
        if (TERMINAL.includes(op.state) || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(TERMINAL, `${location} is stuck in ${op.state}`).toContain(op.state);
      expect(op.status).toBe(op.state);
      if (op.state === "FAILED") expect(op.error?.error).toBeTruthy();
    }
    // The registration is resumable: after all the kills the manager is there and OK.
    const list = (await (await fetch(`${url}/virtualization/v1beta1/hypervisor-managers`, { headers: auth })).json()) as { items: { state: string }[] };
    expect(list.items).toHaveLength(1);
    expect(list.items[0]!.state).toBe("OK");
  } finally {
    await killProcess(server);
  }
}, timeLimit(120_000));
