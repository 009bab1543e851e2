// What a process loads before it moves a byte counts in every CLI command's and benchmark step's
// wall time: the AWS SDK takes ≈ 45 ms to load (more on a busy machine), TypeBox ≈ 100 ms (709
// modules). Only a process that opens a store on S3 may load the SDK, and opening a directory
// store needs neither.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

/** The @aws-sdk and typebox modules a fresh process resolves while importing the module and opening a directory store. */
function heavyModulesLoadedBy(module: string): string[] {
  const script = `
    import { registerHooks } from "node:module";
    const seen = new Set();
    registerHooks({ resolve(spec, ctx, next) { if (spec.startsWith("@aws-sdk/") || spec === "typebox" || spec.startsWith("typebox/")) seen.add(spec); return next(spec, ctx); } });
    await import(${JSON.stringify(new URL(module, import.meta.url).href)});
    const { ProtectionStore } = await import(${JSON.stringify(new URL("./index.ts", import.meta.url).href)});
    const { mkdtempSync, rmSync } = await import("node:fs");
    const dir = mkdtempSync("/tmp/obr-lazy-sdk-");
    try { await (await ProtectionStore.create(dir + "/s", { threads: 1 })).close(); } finally { rmSync(dir, { recursive: true, force: true }); }
    console.log(JSON.stringify([...seen]));
  `;
  return JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" })) as string[];
}

describe("modules loaded to open a directory store", () => {
  it("the store library loads neither the AWS SDK nor TypeBox; the service's store factory not the SDK", () => {
    expect(heavyModulesLoadedBy("./index.ts")).toEqual([]);
    expect(heavyModulesLoadedBy("./chunk-store-factory.ts").filter((m) => m.startsWith("@aws-sdk/"))).toEqual([]);
  });
});
