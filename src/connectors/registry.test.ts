import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createConnectorRegistry, labDirFor } from "./registry.ts";

describe("connector registry", () => {
  it("resolves lab:// addresses to one connector per address", async () => {
    const registry = createConnectorRegistry({ labRoot: "/data/lab" });
    const a = registry.resolve("lab://demo");
    expect(a.address).toBe("lab://demo");
    expect(a.changeBlockSize).toBe(64 * 1024);
    expect(registry.resolve("lab://demo")).toBe(a);
    expect(registry.resolve("lab://other")).not.toBe(a);
    expect(labDirFor("/data/lab", "lab://demo")).toBe(join("/data/lab", "demo"));
    await registry.close();
  });

  it("rejects other schemes and unsafe lab names with 400", () => {
    const registry = createConnectorRegistry({ labRoot: "/data/lab" });
    expect(() => registry.resolve("vcenter://vc.example.com")).toThrow(expect.objectContaining({ kind: "bad-argument", message: "no connector for vcenter://vc.example.com" }));
    expect(() => registry.resolve("lab://../etc")).toThrow(expect.objectContaining({ kind: "bad-argument" }));
    expect(() => registry.resolve("lab://")).toThrow(expect.objectContaining({ kind: "bad-argument" }));
  });
});
