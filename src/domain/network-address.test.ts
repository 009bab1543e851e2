import { describe, expect, test } from "vitest";
import { AppError } from "./app-error.ts";
import { classifyHost, isForbiddenHost, parseManagerAddress } from "./network-address.ts";

describe("classifyHost", () => {
  test.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["localhost", "loopback"],
    ["LOCALHOST.", "loopback"],
    ["api.localhost", "loopback"],
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["169.254.169.254", "link-local"],
    ["169.254.0.1", "link-local"],
    ["fe80::1", "link-local"],
    ["febf::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["::ffff:169.254.169.254", "link-local"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["metadata.google.internal", "metadata"],
    ["Metadata.Google.Internal.", "metadata"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["192.168.1.1", "private"],
    ["fd00:ec2::254", "metadata"],
    ["fd00:ec2:0::254", "metadata"],
    ["100.100.100.200", "metadata"],
    ["100.100.100.201", "private"],
    ["fd00::1", "private"],
    ["64:ff9b::7f00:1", "loopback"],
    ["2002:a9fe:a9fe::", "link-local"],
    ["224.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["ff02::1", "reserved"],
    ["8.8.8.8", "public"],
    ["vcenter.example.com", "public"],
    ["fec0::1", "public"],
  ])("%s is %s", (host, expected) => {
    expect(classifyHost(host)).toBe(expected);
  });

  test("private ranges stay allowed for on-premises vCenters, the rest is forbidden", () => {
    expect(isForbiddenHost("10.0.0.5")).toBe(false);
    expect(isForbiddenHost("vcenter.corp")).toBe(false);
    for (const h of ["127.0.0.1", "169.254.169.254", "::1", "fe80::2", "0.0.0.0", "metadata.google.internal", "100.100.100.200", "fd00:ec2::254"]) {
      expect(isForbiddenHost(h)).toBe(true);
    }
  });
});

describe("parseManagerAddress", () => {
  test("accepts lab://<name>", () => {
    expect(parseManagerAddress("lab://demo")).toEqual({ kind: "lab", address: "lab://demo", name: "demo" });
    expect(parseManagerAddress(" LAB://x-1 ").address).toBe("lab://x-1");
  });

  const refused = (address: string) => {
    try {
      parseManagerAddress(address);
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).httpStatusCode).toBe(400);
      return (err as AppError).message;
    }
    throw new Error(`${address} was accepted`);
  };

  test.each(["lab://", "lab://Demo", "lab://-x", "lab://a/b", "lab://../etc", `lab://${"a".repeat(64)}`])("refuses bad lab name %s", (a) => {
    expect(refused(a)).toMatch(/lab name/);
  });

  test.each([
    "http://127.0.0.1",
    "https://localhost:443/sdk",
    "169.254.169.254",
    "http://169.254.169.254/latest/meta-data",
    "[::1]:443",
    "http://[fe80::1]/",
    "metadata.google.internal",
    "0.0.0.0",
    "http://2130706433", // 127.0.0.1 as one number: WHATWG URL normalises it
  ])("refuses forbidden target %s", (a) => {
    expect(refused(a)).toMatch(/never connects/);
  });

  test.each(["file:///etc/passwd", "vcenter.example.com", "https://10.0.0.5/sdk", "ftp://x"])("refuses %s without a connector", (a) => {
    expect(refused(a)).toMatch(/no connector|not a host/);
  });
});
