// The web console in a real browser (Debian's chromium through playwright-core) against a real
// `obr serve` process with the demo lab: sign in, dashboard, inventory, a VM, create and edit a
// policy, jobs, restore, operations and infrastructure, at 1280 px and at 375 px. Any page
// error, console error, failed request or request outside the server fails the test. Screenshots
// of every page go to test/artifacts/console/ (the README's come from there). SQLite only: the
// console sees the API, not the database.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chromiumAvailable, launchChromium, type WatchedPage, watchedPage } from "../helpers/browser.ts";
import { killProcess, type ObrProcess, PROCESS_CLIENT, processToken, serveProcess } from "../helpers/obr-process.ts";
import { testDb } from "../helpers/test-server.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const ARTIFACTS = join(ROOT, "test", "artifacts", "console");
const DEMO_VMS = ["app-01", "db-01", "dev-01", "file-01", "web-01", "web-02"];
const WIDE = { width: 1280, height: 860 };
const PHONE = { width: 375, height: 740 };

const run = testDb === "sqlite" && chromiumAvailable();

let dir: string;
let obr: ObrProcess;
let browser: Browser;

async function waitReady(url: string): Promise<void> {
  for (const deadline = Date.now() + 40_000; Date.now() < deadline; ) {
    const res = await fetch(`${url}/health`).catch(() => undefined);
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("obr did not become ready");
}

async function shot(page: Page, name: string): Promise<void> {
  const width = page.viewportSize()?.width ?? 0;
  await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
}

async function signIn(w: WatchedPage): Promise<void> {
  await w.page.goto(`${obr.url}/`);
  await w.page.getByLabel("Client ID").fill(PROCESS_CLIENT.id);
  await w.page.getByLabel("Client secret").fill(PROCESS_CLIENT.secret);
  await w.page.getByRole("button", { name: "Sign in" }).click();
  await w.page.waitForURL(`${obr.url}/dashboard`);
  await w.idle();
}

/** Follows a link of the console's navigation (no reload) and waits for the page's title. */
async function open(w: WatchedPage, link: string, title: string | RegExp): Promise<void> {
  await w.page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: link, exact: true }).click();
  await w.page.getByRole("heading", { level: 1, name: title }).waitFor();
  await w.idle();
}

/** Nothing still loading and no error shown on the page. */
async function settled(page: Page): Promise<void> {
  await expect.poll(() => page.locator("[aria-busy=true]").count(), { timeout: 10_000 }).toBe(0);
  expect(await page.locator(".notice.error").allInnerTexts()).toEqual([]);
}

describe.skipIf(!run)("web console in chromium", () => {
  let w: WatchedPage;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "obr-console-it-"));
    await mkdir(ARTIFACTS, { recursive: true });
    // the console of these sources, not whatever console/dist holds
    const dist = join(dir, "dist");
    await build({ configFile: join(ROOT, "console", "vite.config.ts"), logLevel: "silent", build: { outDir: dist, emptyOutDir: true } });
    obr = await serveProcess(join(dir, "data"), `sqlite:${join(dir, "data", "obr.sqlite")}`, { OBR_DEMO: "1", OBR_CONSOLE_DIR: dist });
    await waitReady(obr.url);
    browser = await launchChromium();
    w = await watchedPage(browser, obr.url, WIDE);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (obr) await killProcess(obr);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("sign-in by keyboard: a wrong secret gets a clear message, the right one opens the dashboard; a reload keeps the session but never stores the secret", async () => {
    const { page, problems } = w;
    await page.goto(`${obr.url}/inventory`);
    await page.waitForURL(/\/sign-in\?next=%2Finventory$/);
    await shot(page, "sign-in");
    await page.keyboard.press("Tab");
    await page.keyboard.type(PROCESS_CLIENT.id);
    await page.keyboard.press("Tab");
    await page.keyboard.type("not-the-secret");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByRole("alert").textContent()).toBe("The client ID or secret is wrong.");
    // the refused token request is the one error the browser reports here
    expect(problems.splice(0)).toEqual([expect.stringMatching(/^HTTP 401: POST .*\/as\/token\.oauth2$/), expect.stringMatching(/^console error: .*401/)]);

    await page.getByLabel("Client secret").fill(PROCESS_CLIENT.secret);
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement?.textContent")).toBe("Sign in");
    await page.keyboard.press("Enter");
    // back where the user was going
    await page.getByRole("heading", { level: 1, name: "Inventory" }).waitFor();
    await w.idle();

    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Inventory" }).waitFor();
    const stored = await page.evaluate("JSON.stringify(sessionStorage)");
    expect(stored).toContain("obr.console.session");
    expect(stored).not.toContain(PROCESS_CLIENT.secret);
    await w.idle();
    expect(problems.splice(0)).toEqual([]);
  });

  test("dashboard: the demo's six unprotected VMs, the last 24 hours' operations, both demo stores, and copies (or that the server has none to list)", async () => {
    const { page, problems } = w;
    await open(w, "Dashboard", "Dashboard");
    await settled(page);
    await expect.poll(() => page.getByRole("img", { name: /Virtual machines by protection/ }).getAttribute("aria-label")).toBe(
      "Virtual machines by protection: 0 Protected, 0 Partly protected, 6 Unprotected",
    );
    expect(await page.getByRole("img", { name: /Runs and operations in the last 24 hours/ }).getAttribute("aria-label")).toMatch(/\d+ Succeeded, 0 Running, 0 Failed/);
    const stores = await page.getByRole("img", { name: /Store capacity/ }).getAttribute("aria-label");
    expect(stores).toContain("Demo cloud store");
    expect(stores).toContain("Demo on-premises store");
    const copies = page.locator("section", { has: page.getByRole("heading", { name: "Copies over the last 14 days" }) });
    expect(await copies.textContent()).toMatch(/No copies in the last 14 days|Copies per day|not available on this server yet/);
    await shot(page, "dashboard");
    expect(problems.splice(0)).toEqual([]);
  });

  test("inventory: the demo VMs with their protection status, filtered and sorted by the server; a VM's page with its copies", async () => {
    const { page, problems } = w;
    await open(w, "Inventory", "Inventory");
    await settled(page);
    const names = () => page.getByRole("region", { name: "Virtual machines" }).locator("tbody th").allInnerTexts();
    expect(await names()).toEqual(DEMO_VMS);
    expect(await page.locator("tbody tr").first().getByText("unprotected").count()).toBe(1);
    await shot(page, "inventory");

    await page.getByLabel("Name contains").fill("web");
    await page.getByLabel("Name contains").press("Enter");
    await expect.poll(names).toEqual(["web-01", "web-02"]);
    await page.getByLabel("Sort by").selectOption({ label: "Name (Z–A)" });
    await expect.poll(names).toEqual(["web-02", "web-01"]);
    expect(page.url()).toBe(`${obr.url}/inventory?q=web&sort=name+desc`);

    await page.getByRole("link", { name: "web-01" }).click();
    await page.getByRole("heading", { level: 1, name: "web-01" }).waitFor();
    await w.idle();
    await settled(page);
    for (const section of ["Snapshots", "Backups", "Cloud backups"]) {
      const text = await page.locator("section", { has: page.getByRole("heading", { name: section, exact: true }) }).textContent();
      expect(text).toMatch(new RegExp(`No ${section.toLowerCase()}|Taken|not available on this server yet`));
    }
    await shot(page, "vm-copies");
    expect(problems.splice(0)).toEqual([]);
  });

  test("policies: create one with a snapshot and a backup tier described in plain words, then change its schedule", async () => {
    const { page, problems } = w;
    await open(w, "Policies", "Protection policies");
    await page.getByRole("link", { name: "New policy" }).click();
    await page.getByRole("heading", { level: 1, name: "New protection policy" }).waitFor();
    await w.idle();
    await page.getByLabel("Name", { exact: true }).fill("Gold");
    await page.getByLabel("Protection store").selectOption({ label: "Demo on-premises store" });
    await page.getByLabel("Keep for (number)").nth(1).fill("14");
    const summary = page.locator("section.summary");
    await expect.poll(() => summary.locator("li").allInnerTexts()).toEqual(["Snapshot every 4 hours, kept 2 days", "Backup daily at 02:00 UTC, kept 14 days"]);
    await shot(page, "policy-editor");
    await page.getByRole("button", { name: "Create policy" }).click();
    await page.getByRole("heading", { level: 1, name: "Protection policies" }).waitFor();
    const row = page.getByRole("row", { name: /Gold/ });
    await expect.poll(() => row.textContent()).toContain("Backup daily at 02:00 UTC, kept 14 days");

    // what the API holds is what the page said
    const token = await processToken(obr.url);
    const api = async () => {
      const res = await fetch(`${obr.url}/backup-recovery/v1beta1/protection-policies?filter=name eq 'Gold'`, { headers: { authorization: `Bearer ${token}` } });
      return ((await res.json()) as { items: Array<{ protections: Array<{ type: string; protectionStoreInfo?: { id: string }; schedules: Array<Record<string, unknown>> }> }> }).items;
    };
    const [created] = await api();
    expect(created?.protections.map((p) => [p.type, p.schedules[0]?.schedule, p.schedules[0]?.expireAfter])).toEqual([
      ["SNAPSHOT", { recurrence: "HOURLY", repeatInterval: { every: 4 } }, { unit: "DAYS", value: 2 }],
      ["BACKUP", { recurrence: "DAILY", repeatInterval: { every: 1 }, startTime: "02:00" }, { unit: "DAYS", value: 14 }],
    ]);
    expect(created?.protections[1]?.schedules[0]?.sourceProtectionScheduleId).toBe(1);
    expect(created?.protections[1]?.protectionStoreInfo?.id).toMatch(/^[0-9a-f-]{36}$/);

    await row.getByRole("link", { name: "Gold" }).click();
    await page.getByRole("heading", { level: 1, name: "Policy Gold" }).waitFor();
    await w.idle();
    await page.getByLabel("Repeat every (number)").first().fill("6");
    await page.getByRole("button", { name: "Save policy" }).click();
    await page.getByRole("heading", { level: 1, name: "Protection policies" }).waitFor();
    await expect.poll(() => page.getByRole("row", { name: /Gold/ }).textContent()).toContain("Snapshot every 6 hours, kept 2 days");
    expect((await api())[0]?.protections[0]?.schedules[0]?.schedule).toEqual({ recurrence: "HOURLY", repeatInterval: { every: 6 } });
    await shot(page, "policies");
    expect(problems.splice(0)).toEqual([]);
  });

  test("jobs, restore, operations and infrastructure pages show the server's state", async () => {
    const { page, problems } = w;
    await open(w, "Jobs", "Protection jobs");
    await expect.poll(() => page.getByLabel("Virtual machine", { exact: true }).locator("option").allInnerTexts()).toEqual(["Choose a VM…", ...DEMO_VMS]);
    expect(await page.getByLabel("Policy", { exact: true }).locator("option").allInnerTexts()).toEqual(["Choose a policy…", "Gold"]);
    await shot(page, "jobs");

    await open(w, "Restore", "Restore a virtual machine");
    await page.getByLabel("Virtual machine").selectOption({ label: "db-01" });
    await w.idle();
    await settled(page);
    await shot(page, "restore");

    await open(w, "Operations", "Operations");
    await settled(page);
    const ops = page.getByRole("region", { name: "Async operations" });
    await ops.getByRole("link", { name: "Register hypervisor manager Demo lab vCenter" }).click();
    await page.getByRole("heading", { level: 1, name: "Register hypervisor manager Demo lab vCenter" }).waitFor();
    await w.idle();
    expect(await page.getByRole("progressbar", { name: "Progress" }).getAttribute("aria-valuenow")).toBe("100");
    expect(await page.locator("ol.log").textContent()).toContain("succeeded");
    await shot(page, "operation");
    await open(w, "Operations", "Operations");
    await shot(page, "operations");

    await open(w, "Infrastructure", "Infrastructure");
    await settled(page);
    const text = await page.locator("main").textContent();
    for (const name of ["Demo lab vCenter", "Embedded data orchestrator", "demo-psg", "Demo cloud store", "Demo on-premises store"]) expect(text).toContain(name);
    await shot(page, "infrastructure");
    expect(problems.splice(0)).toEqual([]);
  });

  test("an endpoint the server does not serve shows 'not available' instead of an error: known from /openapi.json, or from a 404 'no route'", async () => {
    const other = await watchedPage(browser, obr.url, WIDE);
    try {
      // a server without protection jobs: its /openapi.json does not list them
      await other.page.route("**/openapi.json", async (route) => {
        const res = await route.fetch();
        const doc = (await res.json()) as { paths: Record<string, unknown> };
        for (const p of Object.keys(doc.paths)) if (p.includes("/protection-jobs")) delete doc.paths[p];
        await route.fulfill({ response: res, json: doc });
      });
      await signIn(other);
      await open(other, "Jobs", "Protection jobs");
      await expect.poll(() => other.page.locator("[data-state=unavailable]").allInnerTexts()).toEqual([
        "Protection jobs: not available on this server yet (/backup-recovery/v1beta1/protection-jobs is not served).",
      ]);
      expect(await other.page.locator(".notice.error").count()).toBe(0);
      expect(other.problems).toEqual([]); // known from the document: nothing was asked

      // a server that lists policies in its document but answers 404 "no route"
      await other.page.route("**/backup-recovery/v1beta1/protection-policies?*", (route) =>
        route.fulfill({ status: 404, json: { httpStatusCode: 404, errorCode: "NOT_FOUND", message: "no route GET /backup-recovery/v1beta1/protection-policies", debugId: "x" } }),
      );

      await open(other, "Policies", "Protection policies");
      await expect.poll(() => other.page.locator("[data-state=unavailable]").allInnerTexts()).toEqual([
        "Policies: not available on this server yet (/backup-recovery/v1beta1/protection-policies is not served).",
      ]);
      expect(other.problems.filter((p) => !p.includes("protection-policies") && !p.includes("404"))).toEqual([]);
    } finally {
      await other.context.close();
    }
  });

  test("at phone width (375 px) every page fits the screen: nothing wider than the viewport but the tables' own scrolling", async () => {
    const phone = await watchedPage(browser, obr.url, PHONE);
    try {
      await phone.page.goto(`${obr.url}/`);
      await shot(phone.page, "sign-in");
      await signIn(phone);
      const pages: Array<[string, string, string]> = [
        ["Dashboard", "Dashboard", "dashboard"],
        ["Inventory", "Inventory", "inventory"],
        ["Policies", "Protection policies", "policies"],
        ["Jobs", "Protection jobs", "jobs"],
        ["Restore", "Restore a virtual machine", "restore"],
        ["Operations", "Operations", "operations"],
        ["Infrastructure", "Infrastructure", "infrastructure"],
      ];
      for (const [link, title, name] of pages) {
        await open(phone, link, title);
        await settled(phone.page);
        expect([name, await phone.page.evaluate("document.documentElement.scrollWidth")]).toEqual([name, PHONE.width]);
        await shot(phone.page, name);
      }
      expect(phone.problems).toEqual([]);
    } finally {
      await phone.context.close();
    }
  });
});
