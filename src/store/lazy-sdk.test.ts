// The AWS SDK takes ≈ 45 ms to load (more on a busy machine): only a process that opens a store
// on S3 may pay it, not every one that opens a directory store or builds the service.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

/** The @aws-sdk packages a fresh process resolves while importing the module and opening a directory store. */
function sdkModulesLoadedBy(module: string): string[] {
  const script = `
    import { registerHooks } from "node:module";
    const seen = new Set();
    registerHooks({ resolve(spec, ctx, next) { if (spec.startsWith("@aws-sdk/")) seen.add(spec); return next(spec, ctx); } });
    await import(${JSON.stringify(new URL(module, import.meta.url).href)});
    const { ProtectionStore } = await import(${JSON.stringify(new URL("./index.ts", import.meta.url).href)});
    const { mkdtempSync, rmSync } = await import("node:fs");
    const dir = mkdtempSync("/tmp/obr-lazy-sdk-");
    try { await (await ProtectionStore.create(dir + "/s", { threads: 1 })).close(); } finally { rmSync(dir, { recursive: true, force: true }); }
    console.log(JSON.stringify([...seen]));
  `;
  return JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" })) as string[];
}

describe("the AWS SDK is loaded only for stores on S3", () => {
  it("not by the store library, nor by the store factory the service builds", () => {
    expect(sdkModulesLoadedBy("./index.ts")).toEqual([]);
    expect(sdkModulesLoadedBy("./chunk-store-factory.ts")).toEqual([]);
  });
});
