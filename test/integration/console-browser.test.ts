// The web console in a real browser (Debian's chromium through playwright-core) against a real
// `obr serve` process with the demo lab and its protection (two VMs protected, their first runs
// queued at start: the tests wait for those to end, through the API, before counting): sign in,
// dashboard, inventory, a VM's copies, create and edit a policy, assign it to a VM, run it and
// watch it to SUCCEEDED, suspend and resume, restore a backup as a new VM through the wizard,
// operations and infrastructure, restore a file through the wizard's Files path, at 1280 px and at 375 px. Any page error, console error, failed
// request or request outside the server fails the test. Screenshots of every page go to
// test/artifacts/console/ (the README's come from there). SQLite only: the console sees the API,
// not the database.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Ext4Files } from "../../src/connectors/guest-files/ext4-files.ts";
import { demoGuestFiles } from "../../src/connectors/lab/demo-guest-files.ts";
import { LabConnector } from "../../src/connectors/lab/lab-connector.ts";
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

interface ApiOperation {
  id: string;
  name: string;
  state: string;
  parent?: { id: string };
  associatedResources?: Array<{ type?: string }>;
}

let token: string | undefined;
/** GET through the public API, as the admin client (what the console shows is checked against it). */
async function api<T>(path: string, query: Record<string, string> = {}): Promise<T> {
  token ??= await processToken(obr.url);
  const res = await fetch(`${obr.url}${path}?${new URLSearchParams(query)}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status, `GET ${path}`).toBe(200);
  return (await res.json()) as T;
}

const operations = async () => (await api<{ items: ApiOperation[] }>("/data-services/v1beta1/async-operations", { limit: "1000" })).items;
const ENDED = ["SUCCEEDED", "FAILED", "TIMEDOUT", "CANCELLED"];

/** The demo's first two runs are queued at start and run in the background: wait until nothing runs. */
async function demoSettled(): Promise<void> {
  for (const deadline = Date.now() + 45_000; Date.now() < deadline; ) {
    const ops = await operations();
    const first = ops.filter((o) => o.name.startsWith("First protection of "));
    if (first.length === 2 && ops.every((o) => ENDED.includes(o.state))) {
      expect(first.map((o) => [o.name, o.state]).sort()).toEqual([
        ["First protection of app-01", "SUCCEEDED"],
        ["First protection of db-01", "SUCCEEDED"],
      ]);
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("the demo's first runs did not end within 45 s");
}

/** The dashboard's summary of runs, computed from the API the way the page counts them. */
async function runsSummary(): Promise<string> {
  const types = (o: ApiOperation) => (o.associatedResources ?? []).map((r) => r.type);
  const runs = (await operations()).filter((o) => !o.parent && types(o).includes("backup-recovery/protection-job") && types(o).includes("virtualization/virtual-machine"));
  const count = (states: string[]) => runs.filter((o) => states.includes(o.state)).length;
  return `Protection runs in the last 24 hours: ${count(["SUCCEEDED"])} Succeeded, ${count(["INITIALIZED", "RUNNING"])} Running, ${count(["FAILED", "TIMEDOUT", "CANCELLED"])} Failed`;
}

/** Waits for the operation followed in `scope` to end and returns its state. */
async function followedToEnd(scope: Locator, timeout = 45_000): Promise<string> {
  const badge = scope.locator(".operation-follow .badge");
  await expect.poll(async () => ENDED.map((s) => s.toLowerCase()).includes((await badge.textContent()) ?? ""), { timeout }).toBe(true);
  return (await badge.textContent()) ?? "";
}

async function shot(page: Page, name: string): Promise<void> {
  const width = page.viewportSize()?.width ?? 0;
  await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true, animations: "disabled" });
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
    await demoSettled();
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

  test("dashboard: the demo's two protected and four unprotected VMs, the runs of the last 24 hours as the API counts them, both demo stores, and the demo runs' copies", async () => {
    const { page, problems } = w;
    await open(w, "Dashboard", "Dashboard");
    await settled(page);
    await expect.poll(() => page.getByRole("img", { name: /Virtual machines by protection/ }).getAttribute("aria-label")).toBe(
      "Virtual machines by protection: 2 Protected, 0 Partly protected, 4 Unprotected",
    );
    // a scheduled run may start at any time: the page must say what the API says, and nothing failed
    const runs = () => page.getByRole("img", { name: /Protection runs in the last 24 hours/ }).getAttribute("aria-label");
    for (let i = 0; (await runs()) !== (await runsSummary()) && i < 20; i++) {
      await new Promise((r) => setTimeout(r, 250));
      if (i % 4 === 3) await page.reload();
    }
    expect(await runs()).toBe(await runsSummary());
    expect(await runs()).toMatch(/: ([2-9]|\d\d+) Succeeded, \d+ Running, 0 Failed$/);
    const stores = await page.getByRole("img", { name: /Store capacity/ }).getAttribute("aria-label");
    expect(stores).toContain("Demo cloud store");
    expect(stores).toContain("Demo on-premises store");
    // each demo run made a snapshot, a backup and a cloud backup (a scheduled snapshot may add one)
    const legend = await page.locator("section", { has: page.getByRole("heading", { name: "Copies over the last 14 days" }) }).locator(".legend li").allInnerTexts();
    expect(legend.map((l) => l.replace(/\d+$/, (n) => (Number(n) >= 2 ? "2+" : n)))).toEqual(["Snapshots: 2+", "Backups: 2+", "Cloud backups: 2+"]);
    await shot(page, "dashboard");
    expect(problems.splice(0)).toEqual([]);
  });

  test("inventory: the demo VMs with their protection status and policy, filtered and sorted by the server; a protected VM's page with its job and its copies", async () => {
    const { page, problems } = w;
    await open(w, "Inventory", "Inventory");
    await settled(page);
    const table = page.getByRole("region", { name: "Virtual machines" });
    const names = () => table.locator("tbody th").allInnerTexts();
    expect(await names()).toEqual(DEMO_VMS);
    const status = (vm: string) => table.getByRole("row", { name: new RegExp(`^${vm} `) }).locator("td").allInnerTexts();
    expect((await status("app-01")).slice(0, 2)).toEqual(["protected", "Demo three-tier policy"]);
    expect((await status("db-01")).slice(0, 2)).toEqual(["protected", "Demo three-tier policy"]);
    expect((await status("web-01")).slice(0, 2)).toEqual(["unprotected", "–"]);
    await shot(page, "inventory");

    await page.getByLabel("Name contains").fill("web");
    await page.getByLabel("Name contains").press("Enter");
    await expect.poll(names).toEqual(["web-01", "web-02"]);
    await page.getByLabel("Sort by").selectOption({ label: "Name (Z–A)" });
    await expect.poll(names).toEqual(["web-02", "web-01"]);
    expect(page.url()).toBe(`${obr.url}/inventory?q=web&sort=name+desc`);
    await page.getByLabel("Name contains").fill("");
    await page.getByLabel("Name contains").press("Enter");
    await page.getByLabel("Protection").selectOption({ label: "protected" });
    await expect.poll(names).toEqual(["db-01", "app-01"]);

    await page.getByRole("link", { name: "app-01" }).click();
    await page.getByRole("heading", { level: 1, name: "app-01" }).waitFor();
    await w.idle();
    await settled(page);
    const section = (title: string) => page.locator("section", { has: page.getByRole("heading", { name: title, exact: true }) });
    expect(await section("Protection job").textContent()).toMatch(/^Protection jobDemo three-tier policy active.*Hourly snapshots: next .*, last ok/);
    const rows = (title: string) => section(title).locator("tbody tr").allInnerTexts();
    expect((await rows("Snapshots")).length).toBeGreaterThanOrEqual(1);
    // the demo's daily backups are locked for 3 days; the cloud copy of that backup is not
    expect(await rows("Backups")).toEqual([expect.stringMatching(/^.+\tok\tDemo on-premises store\t[\d.]+ MiB \(full\)\tverified\t.+\tlocked .+\tRestore$/)]);
    expect(await rows("Cloud backups")).toEqual([expect.stringMatching(/^.+\tok\tDemo cloud store\t[\d.]+ MiB \(full\)\tverified\t.+\tnot locked\tRestore$/)]);
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

  test("jobs: assign the new policy to web-01 and watch it to SUCCEEDED, run it now and watch its progress, suspend and resume it", async () => {
    const { page, problems } = w;
    await open(w, "Jobs", "Protection jobs");
    const vmChoice = page.getByLabel("Virtual machine", { exact: true });
    // a VM has one job at most: the demo's two protected VMs are shown but cannot be chosen
    await expect.poll(() => vmChoice.locator("option").allInnerTexts()).toEqual([
      "Choose a VM…",
      "app-01 (Demo three-tier policy)",
      "db-01 (Demo three-tier policy)",
      "dev-01",
      "file-01",
      "web-01",
      "web-02",
    ]);
    expect(await vmChoice.locator("option[disabled]").allInnerTexts()).toEqual(["app-01 (Demo three-tier policy)", "db-01 (Demo three-tier policy)"]);
    expect(await page.getByLabel("Policy", { exact: true }).locator("option").allInnerTexts()).toEqual(["Choose a policy…", "Demo three-tier policy", "Gold"]);

    await vmChoice.selectOption({ label: "web-01" });
    await page.getByLabel("Policy", { exact: true }).selectOption({ label: "Gold" });
    await page.getByRole("button", { name: "Protect" }).click();
    expect(await followedToEnd(page.getByRole("region", { name: "Protect web-01" }))).toBe("succeeded");
    const row = page.getByRole("region", { name: "Protection jobs" }).getByRole("row", { name: /^web-01 / });
    await expect.poll(() => row.textContent()).toContain("Gold");
    const [job] = (await api<{ items: Array<{ id: string; operational: string }> }>("/backup-recovery/v1beta1/protection-jobs", { filter: "assetInfo/name eq 'web-01'" })).items;
    expect(job?.operational).toBe("ACTIVE");

    // run now: it waits for the first run the assignment queued, then runs its two tiers
    await page.getByRole("button", { name: "Run now: web-01" }).click();
    const run = page.getByRole("region", { name: "Run of web-01" });
    await run.waitFor();
    expect(await followedToEnd(run)).toBe("succeeded");
    expect(await run.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("100");
    await w.idle();
    await shot(page, "jobs");
    const vm = () => api<{ items: Array<{ protectionStatus?: string }> }>("/virtualization/v1beta1/virtual-machines", { filter: "name eq 'web-01'" });
    await expect.poll(async () => (await vm()).items.map((v) => v.protectionStatus)).toEqual(["PROTECTED"]);

    await page.getByRole("button", { name: "Suspend: web-01" }).click();
    expect(await followedToEnd(page.getByRole("region", { name: "Suspend web-01" }))).toBe("succeeded");
    await expect.poll(() => row.locator("td").nth(1).textContent()).toBe("suspended");
    expect((await api<{ operational: string }>(`/backup-recovery/v1beta1/protection-jobs/${job?.id}`)).operational).toBe("SUSPENDED");
    await page.getByRole("button", { name: "Resume: web-01" }).click();
    expect(await followedToEnd(page.getByRole("region", { name: "Resume web-01" }))).toBe("succeeded");
    await expect.poll(() => row.locator("td").nth(1).textContent()).toBe("active");
    expect((await api<{ operational: string }>(`/backup-recovery/v1beta1/protection-jobs/${job?.id}`)).operational).toBe("ACTIVE");
    expect(problems.splice(0)).toEqual([]);
  });

  test("restore: from web-01's copies, its backup as a new VM through the wizard (copy, ALTERNATE, target, confirm, live progress); the new VM exists", async () => {
    const { page, problems } = w;
    await page.getByRole("link", { name: "web-01", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "web-01" }).waitFor();
    await w.idle();
    await settled(page);
    const section = (title: string) => page.locator("section", { has: page.getByRole("heading", { name: title, exact: true }) });
    expect(await section("Cloud backups").textContent()).toContain("No cloud backups."); // Gold has no cloud tier
    const backups = section("Backups").locator("tbody tr");
    expect(await backups.count()).toBeGreaterThanOrEqual(2); // the first run's and the one run now
    await backups.first().getByRole("link", { name: "Restore" }).click();

    await page.getByRole("heading", { level: 1, name: "Restore a virtual machine" }).waitFor();
    await w.idle();
    await settled(page);
    const step = () => page.getByRole("list", { name: "Restore steps" }).locator("[aria-current=step]").textContent();
    expect(await step()).toBe("Copy");
    expect(await page.getByLabel("Virtual machine").locator("option:checked").textContent()).toBe("web-01");
    expect(await page.locator("input[name=copy]:checked").locator("xpath=..").textContent()).toMatch(/^Backup of .+ in Demo on-premises store$/);
    await page.getByRole("button", { name: "Next" }).click();
    await expect.poll(step).toBe("Restore as");
    expect(await page.getByRole("radio", { name: /A new virtual machine \(ALTERNATE\)/ }).isChecked()).toBe(true);
    await page.getByRole("button", { name: "Next" }).click();
    await expect.poll(step).toBe("Target");
    await w.idle();
    expect(await page.getByLabel("Name of the new VM").inputValue()).toBe("web-01-restored");
    expect(await page.getByLabel("Host").locator("option:checked").textContent()).toBe("esxi-01.lab.local"); // web-01's own
    await page.getByLabel("Datastore").selectOption({ index: 1 });
    await shot(page, "restore");
    await page.getByRole("button", { name: "Next" }).click();
    await expect.poll(step).toBe("Confirm");
    expect(await page.locator("dl.facts dd").allTextContents()).toEqual([expect.stringMatching(/^Backup of /), "web-01", 'a new VM "web-01-restored"', expect.stringMatching(/^esxi-01\.lab\.local, \S+/)]);
    await page.getByRole("button", { name: "Restore" }).click();
    await expect.poll(step).toBe("Progress");
    expect(await followedToEnd(page.locator("main"))).toBe("succeeded");
    await shot(page, "restore-progress");

    const restored = await api<{ items: Array<{ name: string; id: string }> }>("/virtualization/v1beta1/virtual-machines", { filter: "name eq 'web-01-restored'" });
    expect(restored.items.map((v) => v.name)).toEqual(["web-01-restored"]);
    await page.getByRole("link", { name: "See web-01-restored in the inventory" }).click();
    await page.getByRole("heading", { level: 1, name: "Inventory" }).waitFor();
    await expect.poll(() => page.getByRole("region", { name: "Virtual machines" }).locator("tbody th").allInnerTexts()).toEqual(["web-01-restored"]);
    await w.idle();
    expect(problems.splice(0)).toEqual([]);
  });

  test("operations and infrastructure pages show the server's state", async () => {
    const { page, problems } = w;
    await open(w, "Operations", "Operations");
    await settled(page);
    const ops = page.getByRole("region", { name: "Async operations" });
    const restore = ops.getByRole("link", { name: /virtual machine web-01 from backup/ });
    const name = (await restore.textContent()) ?? "";
    await restore.click();
    await page.getByRole("heading", { level: 1, name }).waitFor();
    await w.idle();
    expect(await page.getByRole("progressbar", { name: "Progress" }).getAttribute("aria-valuenow")).toBe("100");
    expect(await page.locator("ol.log").textContent()).toContain("succeeded");
    await shot(page, "operation");
    await open(w, "Operations", "Operations");
    await settled(page);
    await shot(page, "operations");

    await open(w, "Infrastructure", "Infrastructure");
    await settled(page);
    const text = await page.locator("main").textContent();
    for (const name of ["Demo lab vCenter", "Embedded data orchestrator", "demo-psg", "Demo cloud store", "Demo on-premises store"]) expect(text).toContain(name);
    await shot(page, "infrastructure");
    expect(problems.splice(0)).toEqual([]);
  });

  test("restore a file: web-01's changed /etc/app.conf, found by browsing its backup's folders, comes back byte-exact through the wizard's Files path", async () => {
    const { page, problems } = w;
    // The guest breaks its configuration after the backup (through the lab, as the guest would).
    const lab = new LabConnector(join(dir, "data", "lab", "demo"), "lab://demo");
    const web = await lab.resolveVm("web-01");
    const disk = web.disks[0]!;
    await lab.writeGuestFiles(web.id, disk.id, [{ path: "/etc/app.conf", data: Buffer.from("broken\n") }]);
    const original = demoGuestFiles("web-01", web.guest.osName, 0, disk.capacityBytes, Buffer.alloc(4096, "x")).find((f) => f.path === "/etc/app.conf")?.data;

    await open(w, "Inventory", "Inventory");
    await page.getByRole("link", { name: "web-01", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "web-01" }).waitFor();
    await w.idle();
    await settled(page);
    await page.locator("section", { has: page.getByRole("heading", { name: "Backups", exact: true }) }).locator("tbody tr").first().getByRole("link", { name: "Restore" }).click();
    await page.getByRole("heading", { level: 1, name: "Restore a virtual machine" }).waitFor();
    await w.idle();
    const step = () => page.getByRole("list", { name: "Restore steps" }).locator("[aria-current=step]").textContent();
    await page.getByRole("button", { name: "Next" }).click();
    await expect.poll(step).toBe("Restore as");
    await page.getByRole("radio", { name: /Files and folders/ }).check();
    await page.getByRole("button", { name: "Next" }).click();
    await expect.poll(step).toBe("Target");
    const files = page.getByRole("region", { name: "Files in /" });
    await files.waitFor();
    expect(await files.locator("tbody td:nth-child(2)").allInnerTexts()).toEqual(["etc/", "home/", "lost+found/", "var/"]);
    expect(await page.getByRole("button", { name: "Next" }).isDisabled()).toBe(true); // nothing chosen yet
    await files.getByRole("button", { name: "etc/" }).click();
    const etc = page.getByRole("region", { name: "Files in /etc" });
    await etc.waitFor();
    await etc.getByRole("checkbox", { name: "Restore /etc/app.conf" }).check();
    expect(await page.getByLabel("Restore into").locator("option:checked").textContent()).toBe("web-01");
    expect(await page.getByLabel("If the name is taken").locator("option:checked").textContent()).toBe("Replace what is there");
    await w.idle();
    await shot(page, "restore-files");
    await page.getByRole("button", { name: "Next" }).click();
    await expect.poll(step).toBe("Confirm");
    expect(await page.locator("dl.facts dd").allTextContents()).toEqual([expect.stringMatching(/^Backup of /), "web-01", "/etc/app.conf", "web-01, each back where it was", "Replace what is there"]);
    await page.getByRole("button", { name: "Restore" }).click();
    await expect.poll(step).toBe("Progress");
    expect(await followedToEnd(page.locator("main"))).toBe("succeeded");
    await shot(page, "restore-files-progress");
    await page.getByRole("link", { name: "Go to web-01" }).click();
    await page.getByRole("heading", { level: 1, name: "web-01" }).waitFor();
    await w.idle();

    const image = join(dir, "web-01-disk.img");
    await writeFile(image, await lab.readDisk(web.id, disk.id, 0, disk.capacityBytes));
    await new Ext4Files().extract(image, [{ path: "/etc/app.conf", to: `${image}.conf` }]);
    expect((await readFile(`${image}.conf`)).equals(Buffer.from(original ?? ""))).toBe(true);
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
      // a VM's page: its job and three copy tables
      await open(phone, "Inventory", "Inventory");
      await phone.page.getByRole("link", { name: "app-01" }).click();
      await phone.page.getByRole("heading", { level: 1, name: "app-01" }).waitFor();
      await phone.idle();
      await settled(phone.page);
      expect(["vm-copies", await phone.page.evaluate("document.documentElement.scrollWidth")]).toEqual(["vm-copies", PHONE.width]);
      await shot(phone.page, "vm-copies");
      expect(phone.problems).toEqual([]);
    } finally {
      await phone.context.close();
    }
  });
});
