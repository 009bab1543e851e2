// The BlobBackend contract: what the engine relies on from any backend. Every backend runs it
// (backend-contract.test.ts): the local directory and S3 (on the test RGW).
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { BlobBackend } from "../backend.ts";
import { isNotFound } from "../backend.ts";

async function rejectsNotFound(p: Promise<unknown>): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isNotFound(err)).toBe(true);
}

export function backendContract(name: string, makeBackend: () => Promise<BlobBackend>, opts: { skip?: string } = {}): void {
  describe.skipIf(Boolean(opts.skip))(`BlobBackend contract: ${name}${opts.skip ? ` (skipped: ${opts.skip})` : ""}`, () => {
    it("put/get/stat/has round trip, replace, delete (idempotent); absent blobs are ENOENT", async () => {
      const b = await makeBackend();
      const data = randomBytes(100_000);
      await b.put("a/b/one", data);
      await b.put("a/two", [data.subarray(0, 10), data.subarray(10)]);
      await b.flush();
      expect((await b.get("a/b/one")).equals(data)).toBe(true);
      expect((await b.get("a/two")).equals(data)).toBe(true);
      expect(await b.stat("a/b/one")).toMatchObject({ key: "a/b/one", size: data.length });
      expect(Math.abs(((await b.stat("a/b/one"))?.mtimeMs ?? 0) - Date.now())).toBeLessThan(60_000);
      await b.put("a/b/one", Buffer.from("short"));
      expect((await b.get("a/b/one")).toString()).toBe("short");
      await b.delete("a/b/one");
      await b.delete("a/b/one");
      expect(await b.has("a/b/one")).toBe(false);
      expect(await b.stat("a/b/one")).toBeNull();
      await rejectsNotFound(b.get("a/b/one"));
      await rejectsNotFound(b.readAt("nope", 0, Buffer.alloc(4)));
      await b.put("empty", new Uint8Array(0));
      expect((await b.get("empty")).length).toBe(0);
    });

    it("readAt reads ranges into the caller's buffer and stops at the blob's end", async () => {
      const b = await makeBackend();
      const data = randomBytes(50_000);
      await b.put("r", data);
      const t = Buffer.alloc(1000);
      expect(await b.readAt("r", 12_345, t)).toBe(1000);
      expect(t.equals(data.subarray(12_345, 13_345))).toBe(true);
      expect(await b.readAt("r", data.length - 10, t)).toBe(10);
      expect(t.subarray(0, 10).equals(data.subarray(data.length - 10))).toBe(true);
      expect(await b.readAt("r", data.length, t)).toBe(0);
      expect(await b.readAt("r", data.length + 5000, t)).toBe(0);
    });

    it("lists every blob under a prefix, across pages, with sizes; keys only likewise", async () => {
      const b = await makeBackend();
      const keys = Array.from({ length: 23 }, (_, i) => `l/${String(i % 3)}/k${i}`);
      await Promise.all(keys.map((k, i) => b.put(k, Buffer.alloc(i))));
      await b.put("lx/outside", Buffer.alloc(1));
      const listed = await b.list("l/");
      expect(listed.map((x) => x.key).sort()).toEqual([...keys].sort());
      expect(listed.find((x) => x.key === "l/2/k5")?.size).toBe(5);
      expect((await b.listKeys("l/")).sort()).toEqual([...keys].sort());
      expect(await b.list("none/")).toEqual([]);
    });

    it("create(): pieces written (out of order too) appear whole at commit only; abort leaves the key as it was", async () => {
      const b = await makeBackend();
      // 12 MiB in 3 MiB pieces: a multipart upload where the backend has one (S3 tests: 5 MiB parts)
      const data = randomBytes(12 << 20);
      const w = await b.create("big");
      const piece = 3 << 20;
      await w.write([data.subarray(piece, 2 * piece)], piece);
      await w.write([data.subarray(0, piece / 2), data.subarray(piece / 2, piece)], 0);
      await Promise.all([w.write([data.subarray(2 * piece, 3 * piece)], 2 * piece), w.write([data.subarray(3 * piece)], 3 * piece)]);
      expect(await b.has("big")).toBe(false);
      await w.commit();
      await b.flush();
      expect((await b.get("big")).equals(data)).toBe(true);
      const small = await b.create("small");
      await small.write([Buffer.from("hello")], 0);
      await small.commit();
      expect((await b.get("small")).toString()).toBe("hello");
      const gone = await b.create("big");
      await gone.write([randomBytes(6 << 20)], 0);
      await gone.abort();
      expect((await b.get("big")).equals(data)).toBe(true);
      expect((await b.listKeys("")).sort()).toEqual(["big", "small"]);
    });

    it("putExclusive: of racing creators exactly one wins, and its bytes are the blob", async () => {
      const b = await makeBackend();
      const tries = Array.from({ length: 6 }, (_, i) => Buffer.from(`writer ${i}`));
      const won = await Promise.all(tries.map((d) => b.putExclusive("locks/x", d)));
      expect(won.filter(Boolean)).toHaveLength(1);
      expect((await b.get("locks/x")).toString()).toBe(`writer ${won.indexOf(true)}`);
      expect(await b.putExclusive("locks/x", Buffer.from("late"))).toBe(false);
      await b.delete("locks/x");
      expect(await b.putExclusive("locks/x", Buffer.from("again"))).toBe(true);
      expect(await b.listKeys("locks/")).toEqual(["locks/x"]);
    });
  });
}
