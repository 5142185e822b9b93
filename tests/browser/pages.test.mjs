// The landing page and the Swagger UI page, against the real binary, in headless chromium.
import test from "node:test";
import assert from "node:assert/strict";
import { setup, screenshot } from "./harness.mjs";

const env = setup(test);

test("landing page: live status from /health, model version and CV metrics, endpoints, links", async () => {
  const page = await env.page();
  const response = await page.goto(`${env.server.url}/`);
  assert.equal(response.headers()["cache-control"], "public, max-age=3600");
  await page.locator("#status[data-state=healthy]").waitFor();
  const health = await (await fetch(`${env.server.url}/health`)).json();
  assert.equal(await page.locator("#status").textContent(), `Healthy — model ${health.model_version} loaded`);
  assert.match(await page.locator("#checked").textContent(), /^checked at /);
  const info = await (await fetch(`${env.server.url}/api/v1/model/info`)).json();
  await page.locator("#model dd").first().waitFor();
  const facts = await page.locator("#model").innerText();
  assert.ok(facts.includes(info.model_version), "model version shown");
  assert.ok(facts.includes(info.performance_metrics.roc_auc.toFixed(3)), "ROC AUC shown");
  assert.ok(facts.includes(info.performance_metrics.f1_score.toFixed(3)), "F1 shown");
  // The list is derived from the route table, as /openapi.json is: every documented path, once
  // per method.
  const endpoints = await page.locator("table code").allTextContents();
  const documented = await (await fetch(`${env.server.url}/openapi.json`)).json();
  const operations = Object.entries(documented.paths).flatMap(([path, ops]) => Object.keys(ops).map(() => path));
  assert.deepEqual([...endpoints].sort(), operations.sort(), "the landing page lists every operation");
  for (const path of ["/health", "/api/v1/model/info", "/api/v1/predict", "/api/v1/predict/batch", "/api/v1/explain"]) {
    assert.ok(endpoints.includes(path), `${path} listed`);
  }
  for (const href of ["/playground", "/docs", "/redoc", "/openapi.json"]) {
    assert.ok(await page.locator(`main a[href="${href}"]`).count() >= 1, `link to ${href}`);
  }
  await screenshot(page, "landing");

  // The playground link leads to a working page.
  await page.getByRole("link", { name: "Open the prediction playground" }).click();
  await page.locator("#employee-form:not([hidden])").waitFor();
  assert.equal(new URL(page.url()).pathname, "/playground");
  assert.deepEqual(page.problems, []);
});

test("landing page at phone width (375 px): no horizontal scrolling", async () => {
  const page = await env.page({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
  await page.goto(`${env.server.url}/`);
  await page.locator("#status[data-state=healthy]").waitFor();
  await page.locator("#model dd").first().waitFor();
  const widths = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, view: document.documentElement.clientWidth,
  }));
  assert.ok(widths.scroll <= widths.view, `page is ${widths.scroll} px wide in a ${widths.view} px view`);
  await screenshot(page, "landing-phone");
  assert.deepEqual(page.problems, []);
});

test("The model card opens from every page's navigation, plain words first, readable on a phone", async () => {
  const page = await env.page({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
  for (const from of ["/", "/playground", "/monitoring"]) {
    await page.goto(`${env.server.url}${from}`);
    await page.locator('nav a[href="/api/v1/model/card"]').click();
    await page.locator("main h1").waitFor();
    assert.equal(new URL(page.url()).pathname, "/api/v1/model/card", from);
  }
  assert.match(await page.locator("main h1").textContent(), /^Model card: xgb_enhanced_v2\.0$/);
  assert.equal(await page.locator("main h2").first().textContent(), "In short");
  assert.match(await page.locator("main ul").first().textContent(), /What it is not for/);
  const widths = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, view: document.documentElement.clientWidth,
  }));
  assert.ok(widths.scroll <= widths.view, `page is ${widths.scroll} px wide in a ${widths.view} px view`);
  await screenshot(page, "model-card-phone", { fullPage: false });
  assert.deepEqual(page.problems, []);
});

test("Swagger UI: Try it out on POST /api/v1/predict returns 200, all from this server", async () => {
  const page = await env.page({ viewport: { width: 1280, height: 1000 } });
  await page.goto(`${env.server.url}/docs`);
  const block = page.locator(".opblock").filter({
    has: page.locator('.opblock-summary-path[data-path="/api/v1/predict"]'),
  });
  await block.waitFor();
  await block.locator(".opblock-summary").click();
  await block.getByRole("button", { name: "Try it out" }).click();
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${env.server.url}/api/v1/predict` && r.request().method() === "POST"),
    block.getByRole("button", { name: "Execute" }).click(),
  ]);
  assert.equal(answer.status(), 200);
  const status = block.locator(".live-responses-table .response .response-col_status");
  await status.first().waitFor();
  assert.equal((await status.first().textContent()).trim(), "200");
  const body = await block.locator(".live-responses-table .response-col_description pre").first().textContent();
  assert.match(body, /"probability_leave"/);
  await block.locator(".live-responses-table").scrollIntoViewIfNeeded();
  await screenshot(page, "swagger-try-it-out", { fullPage: false });
  assert.deepEqual(page.problems, []);
});

test("ReDoc renders the reference from this server", async () => {
  const page = await env.page();
  await page.goto(`${env.server.url}/redoc`);
  await page.getByText("/api/v1/predict/batch").first().waitFor({ state: "attached" });
  assert.ok(await page.locator("h1, h2").filter({ hasText: /attrition/i }).count() >= 1);
  await screenshot(page, "redoc", { fullPage: false });
  // ReDoc's sidebar would ask for its vendor's logo from a CDN: the server serves the bundle
  // without that address, so nothing is even attempted (no request, no policy violation).
  await page.getByText("API docs by Redocly").waitFor({ state: "attached" });
  assert.deepEqual(page.attempted.filter((url) => !page.local(url)), []);
  assert.deepEqual(page.problems, []);
});
