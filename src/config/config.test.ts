import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, storeCacheDir } from "./config.ts";

describe("store cache dir", () => {
  it("is under the data dir by default, any path when set, and off with 'off'", () => {
    expect(loadConfig({ OBR_DATA_DIR: "/srv/obr" }).storeCacheDir).toBe("/srv/obr/cache/stores");
    expect(loadConfig({ OBR_STORE_CACHE_DIR: "rel/cache" }).storeCacheDir).toBe(resolve("rel/cache"));
    expect(loadConfig({ OBR_STORE_CACHE_DIR: "off" }).storeCacheDir).toBeNull();
    expect(loadConfig({}, { storeCacheDir: "/tmp/c" }).storeCacheDir).toBe("/tmp/c");
    expect(storeCacheDir(undefined, "/var/lib/obr-orchestrator")).toBe("/var/lib/obr-orchestrator/cache/stores"); // a separate orchestrator's state dir
  });
});
