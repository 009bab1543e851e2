import type { LookupAddress } from "node:dns";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AppError } from "../domain/app-error.ts";
import { guardedLookup, guardedRequest, refusalOf } from "./address-guard.ts";

// A resolver standing in for DNS (no network here): what each name resolves to.
const ZONE: Record<string, string[]> = {
  "127.0.0.1.nip.io": ["127.0.0.1"],
  "rebind.example": ["203.0.113.7", "127.0.0.1"],
  "alibaba-meta.example": ["100.100.100.200"],
  "aws-meta6.example": ["fd00:ec2::254"],
  "gcp-meta.example": ["169.254.169.254"],
  "mapped.example": ["::ffff:127.0.0.1"],
  "vcenter.corp": ["10.0.0.5"],
  "vcenter.example.com": ["203.0.113.8"],
};
const resolve = async (host: string): Promise<LookupAddress[]> => (ZONE[host] ?? []).map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));

const lookupOf = (host: string, refusePrivate = false) =>
  new Promise<string>((done, fail) => guardedLookup({ resolve, refusePrivate })(host, {}, (err, address) => (err ? fail(err) : done(String(address)))));

describe("guardedLookup decides on the resolved address", () => {
  test.each(["127.0.0.1.nip.io", "rebind.example", "alibaba-meta.example", "aws-meta6.example", "gcp-meta.example", "mapped.example"])("%s is refused", async (host) => {
    const err = await lookupOf(host).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toMatch(/never connects/);
  });

  test("public and private addresses pass; private ones are refused when configured", async () => {
    expect(await lookupOf("vcenter.example.com")).toBe("203.0.113.8");
    expect(await lookupOf("vcenter.corp")).toBe("10.0.0.5");
    await expect(lookupOf("vcenter.corp", true)).rejects.toThrow(/private/);
    await expect(lookupOf("nowhere.example")).rejects.toThrow(/no address/);
  });

  test("refusalOf covers the literal forms", () => {
    for (const a of ["127.0.0.1", "::1", "0.0.0.0", "169.254.169.254", "100.100.100.200", "fd00:ec2::254", "fe80::1", "224.0.0.1"]) expect(refusalOf(a)).toBeDefined();
    expect(refusalOf("203.0.113.9")).toBeUndefined();
  });
});

describe("guardedRequest", () => {
  let loopback: Server;
  let connections = 0;
  beforeAll(async () => {
    loopback = createServer((_req, res) => res.end("secret"));
    loopback.on("connection", () => connections++);
    await new Promise<void>((r) => loopback.listen(0, "127.0.0.1", r));
  });
  afterAll(() => new Promise<void>((r) => loopback.close(() => r())));

  test("never opens a connection to a loopback server, by name or by literal", async () => {
    const { port } = loopback.address() as AddressInfo;
    await expect(guardedRequest(new URL(`http://127.0.0.1.nip.io:${port}/`), {}, { resolve })).rejects.toThrow(/loopback/);
    await expect(guardedRequest(new URL(`http://127.0.0.1:${port}/`), {}, { resolve })).rejects.toThrow(/loopback/);
    await expect(guardedRequest(new URL(`http://[::ffff:127.0.0.1]:${port}/`), {}, { resolve })).rejects.toThrow(/loopback/);
    expect(connections).toBe(0);
  });

  // A server on this machine's own non-loopback address stands in for an allowed target.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === "IPv4" && refusalOf(i.address) === undefined)?.address;
  test.skipIf(!external)("answers from an allowed address; a redirect is refused, not followed", async () => {
    const target = createServer((req, res) => {
      if (req.url === "/moved") res.writeHead(302, { location: "http://127.0.0.1/" }).end();
      else res.end("ok");
    });
    await new Promise<void>((r) => target.listen(0, external, r));
    try {
      const { port } = target.address() as AddressInfo;
      const res = await guardedRequest(new URL(`http://${external}:${port}/`));
      let body = "";
      for await (const chunk of res) body += String(chunk);
      expect(body).toBe("ok");
      await expect(guardedRequest(new URL(`http://${external}:${port}/moved`))).rejects.toThrow(/redirect/);
    } finally {
      await new Promise<void>((r) => target.close(() => r()));
    }
  });
});
