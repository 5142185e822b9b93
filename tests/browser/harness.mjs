// Browser-test harness: starts the real attrition binary on a free port and a headless Debian
// chromium driven by playwright-core (from web/node_modules, pinned by web/package-lock.json).
//
// Environment (set by CTest, see tests/browser/CMakeLists.txt):
//   ATTRITION_BINARY      the attrition executable
//   ATTRITION_SOURCE_DIR  the repository root (model/ and web/ are read from it)
//   ATTRITION_TEST_TMP    scratch folder; screenshots go to $ATTRITION_TEST_TMP/screenshots
//   CHROMIUM              optional, the browser executable (default /usr/bin/chromium)
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run the browser tests through ctest)`);
  return value;
}

export const sourceDir = required("ATTRITION_SOURCE_DIR");
const binary = required("ATTRITION_BINARY");
const scratch = process.env.ATTRITION_TEST_TMP || path.join(sourceDir, "build", "web");
export const screenshotDir = path.join(scratch, "screenshots");
mkdirSync(screenshotDir, { recursive: true });

const require = createRequire(path.join(sourceDir, "web", "package.json"));
const { chromium } = require("playwright-core");

// The server: `attrition serve --port 0` picks a free port and logs it (msg=listening ... port=N).
// `extraArgs` are more serve flags; one that is also a default here replaces that default.
export async function startServer(extraArgs = []) {
  const dir = mkdtempSync(path.join(scratch, "browser-"));
  const defaults = [
    ["--host", "127.0.0.1"], ["--port", "0"], ["--threads", "2"],
    ["--model-dir", path.join(sourceDir, "model")],
    ["--web-dir", path.join(sourceDir, "web")],
    // sqlite:////absolute/path (SQLAlchemy's four slashes, docs/database.md)
    ["--database-url", `sqlite:///${path.resolve(dir, "log.db")}`], ["--migrate"],
    ["--spool-dir", path.join(dir, "spool")],
  ].filter(([flag]) => !extraArgs.includes(flag)).flat();
  const child = spawn(binary, ["serve", ...defaults, ...extraArgs], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, OC5_LOG_LEVEL: "info" } });
  let log = "";
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 60 s:\n${log}`)), 60000);
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => {
      log += chunk;
      const match = /msg=listening .*port=(\d+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${log}`));
    });
  });
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return {
    url: `http://127.0.0.1:${port}`,
    log: () => log,
    async stop() {
      child.kill("SIGTERM");
      const { code, signal } = await exited;
      const logged = existsSync(path.join(dir, "log.db"));
      rmSync(dir, { recursive: true, force: true });
      if (!logged) throw new Error(`the prediction log is not at ${dir}/log.db`);
      if (code !== 0) throw new Error(`server exited with ${code ?? signal}:\n${log}`);
    },
  };
}

export async function startBrowser() {
  const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
  if (!existsSync(executablePath)) {
    throw new Error(`${executablePath} is missing: install Debian's chromium (scripts/install-deps.sh)`);
  }
  // launch() gives chromium a fresh, temporary --user-data-dir of its own and removes it on close.
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return {
    browser,
    async stop() {
      await browser.close();
    },
  };
}

// One server and one browser per test file; a fresh page (and context) per test. `serverArgs`
// are more serve flags, as for startServer.
export function setup(test, serverArgs = []) {
  const env = {};
  test.before(async () => {
    env.server = await startServer(serverArgs);
    env.chrome = await startBrowser();
  });
  test.after(async () => {
    if (env.chrome) await env.chrome.stop();
    if (env.server) await env.server.stop();
  });
  env.page = async (options = {}) => {
    const context = await env.chrome.browser.newContext({ acceptDownloads: true, ...options });
    const page = await context.newPage();
    const problems = [];
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    // HTTP errors are checked by URL below; the console's copy of them says less.
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) {
        problems.push(`console: ${m.text()}`);
      }
    });
    // A test that provokes an error status lists it in page.expectedStatuses.
    page.expectedStatuses = new Set();
    page.on("response", (r) => {
      if (r.status() >= 400 && !page.expectedStatuses.has(r.status())) {
        problems.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
      }
    });
    // Nothing may come from outside the server: no CDN, no fonts, no telemetry. (A request the
    // page's Content-Security-Policy blocks never leaves the browser: it fails, with no response.)
    const local = (url) => url.startsWith(env.server.url) || url.startsWith("blob:") || url.startsWith("data:");
    page.on("response", (r) => { if (!local(r.url())) problems.push(`external response: ${r.url()}`); });
    page.on("requestfinished", (r) => { if (!local(r.url())) problems.push(`external request: ${r.url()}`); });
    // Every address the page asked for, even those its policy blocked before they left.
    page.attempted = [];
    page.on("request", (r) => page.attempted.push(r.url()));
    page.local = local;
    page.problems = problems;
    return page;
  };
  return env;
}

// Saves $ATTRITION_TEST_TMP/screenshots/<name>.png: the whole page, or what the viewport shows.
export async function screenshot(page, name, { fullPage = true } = {}) {
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}
