import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { redact, tarGz } from "./tar-gz.ts";

describe("support bundle archives", () => {
  it("tar extracts what was written", () => {
    const dir = mkdtempSync(join(tmpdir(), "obr-tar-"));
    try {
      const big = "x".repeat(1500);
      writeFileSync(join(dir, "b.tar.gz"), tarGz([{ name: "bundle/a.json", content: '{"a":1}' }, { name: "bundle/big.log", content: big }]));
      execFileSync("tar", ["xzf", "b.tar.gz"], { cwd: dir });
      expect(readFileSync(join(dir, "bundle/a.json"), "utf8")).toBe('{"a":1}');
      expect(readFileSync(join(dir, "bundle/big.log"), "utf8")).toBe(big);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("removes secrets at any depth and user info from URLs", () => {
    const out = redact({ clientSecret: "s3", nested: { proxy: { password: "p" } }, databaseUrl: "postgres://u:pw@db:5432/x", list: [{ credential: "c" }], port: 1 });
    expect(JSON.stringify(out)).not.toMatch(/s3|"p"|pw|"c"/);
    expect(out).toMatchObject({ databaseUrl: "postgres://<removed>@db:5432/x", port: 1 });
  });
});
