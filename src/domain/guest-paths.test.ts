import { describe, expect, it } from "vitest";
import { guestAncestry, guestBaseName, guestParent, guestPath } from "./guest-paths.ts";

describe("guest paths", () => {
  it("normalises absolute paths and refuses what could leave the named path or break quoting", () => {
    expect(guestPath("/etc//app.conf/", "p")).toBe("/etc/app.conf");
    expect(guestPath("/", "p")).toBe("/");
    expect(guestPath("/home/a b/c", "p")).toBe("/home/a b/c");
    for (const bad of ["etc/app.conf", "", "/etc/../root", "/./x", '/a"b', "/a\nb", "/a\0b", `/${"x".repeat(256)}`]) {
      expect(() => guestPath(bad, "filePathInfo[0].absoluteSourcePath"), JSON.stringify(bad)).toThrow(/filePathInfo\[0\]\.absoluteSourcePath/);
    }
  });

  it("splits paths into parent, name and the directories down to them", () => {
    expect(guestParent("/etc/app.conf")).toBe("/etc");
    expect(guestParent("/etc")).toBe("/");
    expect(guestBaseName("/etc/app.conf")).toBe("app.conf");
    expect(guestAncestry("/a/b/c")).toEqual(["/a", "/a/b", "/a/b/c"]);
    expect(guestAncestry("/")).toEqual([]);
  });
});
