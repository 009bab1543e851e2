// GET /data-services/v1beta1/storage-locations: the regions cloud protection stores can use,
// valid against the Data Services schema, with the contract's capabilities filter.
import { afterAll, beforeAll, expect, test } from "vitest";
import { expectContract, expectError, json } from "../helpers/greenlake.ts";
import { type TestServer, startTestServer } from "../helpers/test-server.ts";

const LOCATIONS = "/data-services/v1beta1/storage-locations";
interface Location {
  id: string;
  name: string;
  cloudServiceProvider: string;
  cloudServiceProviderId: string;
  geography: string;
  capabilities: string[];
}
interface LocationList {
  items: Location[];
  count: number;
  offset: number;
  total: number;
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const list = async (query = "") => {
  const body = await json<LocationList>(await server.api(`${LOCATIONS}${query}`), 200);
  expectContract("data-services", "ResponseListStorageLocations", body);
  return body;
};

test("lists the AWS regions with ids aws:<region>, names '<city> - AWS' and their geography", async () => {
  const all = await list();
  expect(all.total).toBe(all.items.length);
  expect(all.count).toBe(all.items.length);
  expect(all.offset).toBe(0);
  expect(all.items.length).toBeGreaterThanOrEqual(10);
  const jakarta = all.items.find((l) => l.id === "aws:ap-southeast-3");
  expect(jakarta).toMatchObject({ name: "Jakarta - AWS", cloudServiceProvider: "AWS", cloudServiceProviderId: "ap-southeast-3", geography: "Asia Pacific" });
  expect(all.items.find((l) => l.id === "aws:us-east-1")?.geography).toBe("North America");
  for (const l of all.items) expect(l.capabilities).toContain("backup-and-recovery");
});

test("the contract's filter ('backup-and-recovery' in capabilities), eq on scalars, paging", async () => {
  const all = await list();
  expect((await list(`?filter=${encodeURIComponent("'backup-and-recovery' in capabilities")}`)).total).toBe(all.total);
  expect((await list(`?filter=${encodeURIComponent("'tape' in capabilities")}`)).items).toEqual([]);
  const europe = await list(`?filter=${encodeURIComponent("geography eq 'Europe' and 'backup-and-recovery' in capabilities")}`);
  expect(europe.total).toBeGreaterThan(0);
  expect(europe.items.every((l) => l.geography === "Europe")).toBe(true);
  const page = await list("?offset=2&limit=3");
  expect(page.items.map((l) => l.id)).toEqual(all.items.slice(2, 5).map((l) => l.id));
  expect(page).toMatchObject({ count: 3, offset: 2, total: all.total });
});

test("unsupported filters, bad filters and missing tokens are GreenLake errors", async () => {
  await expectError(await server.api(`${LOCATIONS}?filter=${encodeURIComponent("city gt 'A'")}`), 400);
  await expectError(await server.api(`${LOCATIONS}?filter=${encodeURIComponent("geography eq 'Europe' or city eq 'Tokyo'")}`), 400);
  await expectError(await server.api(`${LOCATIONS}?filter=${encodeURIComponent("name eq")}`), 400);
  await expectError(await server.api(LOCATIONS, { token: null }), 401);
});
