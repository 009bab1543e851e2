// `obr orchestrator --server`: its credential and the plans it receives (store keys, S3
// credentials) cross that connection, so plain HTTP is refused unless the control plane is on the
// same machine or the operator says the network is trusted.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../store/test-support/fixtures.ts";
import { serverUrlProblem } from "./orchestrator-command.ts";

const MAIN = join(import.meta.dirname, "..", "main.ts");

describe("obr orchestrator --server", () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it("accepts HTTPS anywhere and plain HTTP on a loopback host; refuses plain HTTP to another machine unless allowed", () => {
    for (const ok of ["https://backup.example.com", "https://10.0.0.5:7480", "http://127.0.0.1:7480", "http://localhost:7480", "http://[::1]:7480"]) expect(serverUrlProblem(ok, false), ok).toBeNull();
    for (const remote of ["http://10.0.0.5:7480", "http://backup.example.com", "http://192.168.1.20"]) {
      expect(serverUrlProblem(remote, false), remote).toMatch(/plain HTTP to another machine/);
      expect(serverUrlProblem(remote, true), remote).toBeNull();
    }
    for (const bad of ["ftp://127.0.0.1", "127.0.0.1:7480", "not a url"]) expect(serverUrlProblem(bad, true), bad).toBe("--server must be an http(s) URL");
  });

  it("a refused URL ends the command before it pairs or writes any state", () => {
    const stateDir = join(t.dir, "state");
    const r = spawnSync(process.execPath, [MAIN, "orchestrator", "--server", "http://10.0.0.5:7480", "--state-dir", stateDir], { encoding: "utf8", timeout: 30_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/plain HTTP to another machine.*--allow-plain-http/s);
    expect(r.stdout).not.toMatch(/activation code/);
    expect(existsSync(stateDir)).toBe(false);
  });
});
