// Debian's chromium driven by playwright-core for the console's browser tests: headless, no
// sandbox (tests may run as root), no GPU, no background networking. Every page error, console
// error, failed request and request outside the server is recorded so a test can fail on it.
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.OBR_CHROMIUM ?? "/usr/bin/chromium";
export const ci = process.env.CI === "true" || process.env.CI === "1";

/** Whether the browser tests can run; in CI a missing chromium is a failure, not a skip. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (ci) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
  console.warn(`browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium)`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Problems seen so far: page errors, console errors, failed requests, requests elsewhere. */
  problems: string[];
  /** Resolves once no request has been in flight for `quietMs` (the console's navigation keeps one document, so the load states do not tell). */
  idle(quietMs?: number): Promise<void>;
}

export async function watchedPage(browser: Browser, origin: string, viewport: { width: number; height: number }): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, locale: "en-GB", timezoneId: "UTC" });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  let inFlight = 0;
  let lastChange = Date.now();
  const done = () => {
    inFlight--;
    lastChange = Date.now();
  };
  page.on("requestfinished", done);
  page.on("requestfailed", (r) => {
    done();
    problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ""}`);
  });
  page.on("request", (r) => {
    inFlight++;
    lastChange = Date.now();
    const url = r.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith("data:")) problems.push(`request outside the server: ${url}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  const idle = async (quietMs = 300) => {
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
      if (inFlight <= 0 && Date.now() - lastChange >= quietMs) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`requests still in flight after 15 s: ${inFlight}`);
  };
  return { page, context, problems, idle };
}
