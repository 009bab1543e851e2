// Contract checks without the contract (test/helpers/contract.ts): skipped with a message on a
// newcomer's machine, a failure in CI. Each case runs the helper in a child process, so its
// environment (CI, OBR_CONTRACT_DIR) is the case's own and not this run's.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, expect, test } from "vitest";

const HELPER = pathToFileURL(join(import.meta.dirname, "..", "helpers", "contract.ts")).href;
const dir = mkdtempSync(join(tmpdir(), "obr-contract-"));
const absent = join(dir, "absent");
const present = join(dir, "present");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What contractChecks() does with this environment: "checks:<bool>" or "error:<message>", and stderr. */
function contractChecksWith(env: Record<string, string>): { out: string; err: string } {
  const script = `import { contractChecks } from ${JSON.stringify(HELPER)};
try { console.log("checks:" + contractChecks()); } catch (e) { console.log("error:" + e.message); }`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, ...env }, encoding: "utf8" });
  return { out: r.stdout.trim(), err: r.stderr };
}

test("in CI an absent contract fails the checks, saying where it was looked for", () => {
  const { out } = contractChecksWith({ CI: "1", OBR_CONTRACT_DIR: absent });
  expect(out).toBe(`error:the API contract is not at ${absent}, and CI must check it: check out ../shared beside the repository`);
});

test("outside CI an absent contract skips the checks with a message", () => {
  const { out, err } = contractChecksWith({ CI: "", OBR_CONTRACT_DIR: absent });
  expect(out).toBe("checks:false");
  expect(err).toContain(`the API contract is not at ${absent}: contract checks skipped`);
});

test("a present contract is checked in CI", () => {
  mkdirSync(present);
  writeFileSync(join(present, "backup-recovery.json"), "{}");
  expect(contractChecksWith({ CI: "true", OBR_CONTRACT_DIR: present }).out).toBe("checks:true");
});
