// The playground's single-employee form against the real binary, in headless chromium.
import test from "node:test";
import assert from "node:assert/strict";
import { setup, screenshot } from "./harness.mjs";

const env = setup(test);

async function openPlayground(options) {
  const page = await env.page(options);
  await page.goto(`${env.server.url}/playground`);
  await page.locator("#employee-form:not([hidden])").waitFor();
  return page;
}

test("the form has every field of the API's Employee schema, labelled, with its vocabulary and range", async () => {
  const page = await openPlayground();
  const doc = await (await fetch(`${env.server.url}/openapi.json`)).json();
  const schema = doc.components.schemas.Employee;
  for (const [name, property] of Object.entries(schema.properties)) {
    // Found through its <label>: every control has an accessible name.
    const text = property.description.split(/\.\s/)[0];  // the label is the first sentence
    const control = page.getByLabel(text, { exact: false }).and(page.locator(`[name="${name}"]`));
    assert.equal(await control.count(), 1, `${name} has a labelled control`);
    if (property.enum) {
      const options = await control.locator("option").allTextContents();
      // An optional input can be left out (the version that takes it imputes it).
      const expected = schema.required.includes(name)
        ? property.enum : ["Not given (imputed)", ...property.enum];
      assert.deepEqual(options, expected, `${name} offers the model's vocabulary`);
    } else if (property.type === "integer" && property.maximum < 1e6) {
      assert.equal(await control.getAttribute("min"), String(property.minimum), `${name} min`);
      assert.equal(await control.getAttribute("max"), String(property.maximum), `${name} max`);
      assert.match(await page.locator(`#f-${name}-hint`).textContent(),
        new RegExp(`${property.minimum} to ${property.maximum}`));
    }
  }
  // The vocabulary is the model's: /api/v1/model/info lists the same values.
  const info = await (await fetch(`${env.server.url}/api/v1/model/info`)).json();
  if (info.categorical_values) {
    const posts = await page.locator('select[name="poste"] option').allTextContents();
    assert.deepEqual(posts, info.categorical_values.poste);
  }
  await screenshot(page, "playground-form");
  assert.deepEqual(page.problems, []);
});

test("the version picker scores with the chosen version, which reads its optional input", async () => {
  const page = await openPlayground();
  const listing = await (await fetch(`${env.server.url}/api/v1/models`)).json();
  const picker = page.getByLabel("Model version");
  const names = (await picker.locator("option").evaluateAll((os) => os.map((o) => o.value)));
  assert.deepEqual(names, listing.models.filter((m) => m.state !== "failed").map((m) => m.name));
  assert.equal(await picker.inputValue(), listing.default);
  const v2 = listing.models.find((m) => m.features_optional.length > 0);
  assert.ok(v2, "the committed repository has a version with an optional input");
  const input = v2.features_optional[0];
  const travel = page.locator(`select[name="${input.name}"]`);
  assert.equal(await travel.inputValue(), "", "optional inputs start left out");

  const score = async (body, version) => (await (await fetch(`${env.server.url}/api/v1/predict`, {
    method: "POST", headers: { "Content-Type": "application/json", "X-Model-Version": version },
    body: JSON.stringify(body),
  })).json()).prediction.probability_leave.toFixed(2);
  await picker.selectOption(v2.name);
  await page.getByRole("button", { name: "Predict risk" }).click();
  await page.locator("#result[data-state=done]").waitFor();
  const body = await page.evaluate(() => readForm());
  assert.equal(body[input.name], undefined);
  assert.equal(await page.locator("#probability").textContent(), `${await score(body, v2.name)} %`);
  // Left out: the page lists the imputation warning the API gives.
  assert.match(await page.locator("#warnings").textContent(), new RegExp(`${input.name} was not given`));

  await travel.selectOption(input.values[0]);
  await page.getByRole("button", { name: "Predict risk" }).click();
  await page.locator("#result[data-state=done]").waitFor();
  const given = await page.evaluate(() => readForm());
  assert.equal(given[input.name], input.values[0]);
  await page.waitForFunction((expected) => document.querySelector("#probability").textContent === expected,
    `${await score(given, v2.name)} %`);
  assert.deepEqual(page.problems, []);
});

test("fill the form, submit, read the probability and risk level, see the SHAP chart", async () => {
  const page = await openPlayground();
  await page.getByLabel("Age in years").fill("29");
  await page.getByLabel("Works overtime").selectOption("Oui");
  await page.getByLabel("Job title").selectOption("Représentant Commercial");
  await page.getByLabel("Department").selectOption("Commercial");
  await page.getByLabel("Marital status").selectOption("Célibataire");
  await page.getByLabel("Monthly income").fill("2100");
  await page.getByLabel("Satisfaction with the environment").fill("1");
  await page.getByRole("button", { name: "Predict risk" }).click();
  await page.locator("#result[data-state=done]").waitFor();

  // The page shows what the API says for the same body.
  const body = await page.evaluate(() => readForm());
  assert.equal(body.age, 29);
  assert.equal(body.heure_supplementaires, "Oui");
  const api = await (await fetch(`${env.server.url}/api/v1/predict`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  })).json();
  const probability = await page.locator("#probability").textContent();
  assert.equal(probability, `${api.prediction.probability_leave.toFixed(2)} %`);
  // A screen reader hears the result through the status line.
  assert.equal(await page.getByRole("status").filter({ hasText: /^Result:/ }).textContent(),
    `Result: ${probability} chance of leaving, ${api.prediction.risk_level} risk.`);
  const risk = page.locator("#risk");
  assert.equal(await risk.textContent(), `${api.prediction.risk_level} risk`);
  assert.match(await risk.getAttribute("class"), new RegExp(`risk-${api.prediction.risk_level.toLowerCase()}`));
  // Colour and text both carry the level.
  const colour = await risk.evaluate((n) => getComputedStyle(n).color);
  assert.notEqual(colour, await page.locator("body").evaluate((n) => getComputedStyle(n).color));

  // The chart: one bar per top feature, drawn in the right direction, widest for the largest.
  const explain = await (await fetch(`${env.server.url}/api/v1/explain`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  })).json();
  const rows = page.locator("#chart .bar-row");
  assert.equal(await rows.count(), explain.top_features.length);
  assert.ok(explain.top_features.length >= 1);
  for (let i = 0; i < explain.top_features.length; ++i) {
    const feature = explain.top_features[i];
    const row = rows.nth(i);
    assert.equal(await row.getAttribute("data-feature"), feature.feature);
    const direction = feature.shap_value > 0 ? "raises" : feature.shap_value < 0 ? "lowers" : "neutral";
    assert.match(await row.getAttribute("class"), new RegExp(direction));
    if (direction !== "neutral") {
      assert.match(await row.locator(".bar-value").textContent(), new RegExp(`${direction} risk`));
    }
    const box = await row.locator(".bar").boundingBox();
    assert.ok(box && box.width >= 2, `bar ${feature.feature} is visible`);
  }
  const first = await rows.nth(0).locator(".bar").boundingBox();
  const last = await rows.nth(explain.top_features.length - 1).locator(".bar").boundingBox();
  assert.ok(first.width >= last.width, "bars are scaled by |SHAP|");

  // What would keep them: the API's proposals, each change and the risk it would leave.
  assert.equal(api.prediction.will_leave, true, "the profile above is flagged");
  const whatIf = await (await fetch(`${env.server.url}/api/v1/what-if`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  })).json();
  assert.match(await page.locator("#what-if-note").textContent(), /not a promise/);
  const proposals = page.locator("#what-if .proposal");
  assert.equal(await proposals.count(), whatIf.proposals.length);
  assert.ok(whatIf.proposals.length >= 1, "the profile has a proposal");
  for (let i = 0; i < whatIf.proposals.length; ++i) {
    const proposal = whatIf.proposals[i];
    const shown = proposals.nth(i);
    assert.equal(await shown.locator(".proposal-probability").textContent(),
      `${proposal.probability_leave.toFixed(2)} %`);
    const changes = shown.locator(".proposal-changes > li");
    assert.equal(await changes.count(), proposal.changes.length);
    for (let c = 0; c < proposal.changes.length; ++c) {
      const change = proposal.changes[c];
      assert.equal(await changes.nth(c).getAttribute("data-feature"), change.feature);
      assert.match(await changes.nth(c).textContent(), new RegExp(`${change.from} → ${change.to}`));
    }
  }
  await screenshot(page, "playground-result");
  assert.deepEqual(page.problems, []);
});

test("an invalid field shows the API's error next to that field", async () => {
  const page = await openPlayground();
  page.expectedStatuses.add(422);
  await page.getByLabel("Age in years").fill("150");
  await page.getByLabel("Trainings attended").fill("");
  await page.getByRole("button", { name: "Predict risk" }).click();
  const ageError = page.locator("#f-age-error");
  await ageError.filter({ hasText: /./ }).waitFor();
  assert.match(await ageError.textContent(), /70/);
  assert.equal(await page.locator("#f-age").getAttribute("aria-invalid"), "true");
  // The message is part of the field's accessible description and sits inside its box.
  assert.match(await page.locator("#f-age").getAttribute("aria-describedby"), /f-age-error/);
  assert.equal(await page.locator('.field[data-field="age"] .field-error').count(), 1);
  const missing = await page.locator("#f-nb_formations_suivies-error").textContent();
  assert.ok(missing.length > 0, "a missing field is reported by it too");
  // Only the fields at fault are marked; the focus moves to the first one.
  assert.equal(await page.locator("[aria-invalid=true]").count(), 2);
  assert.equal(await page.evaluate(() => document.activeElement.id), "f-age");
  assert.equal(await page.locator("#result").isHidden(), true);
  await screenshot(page, "playground-invalid");

  // Fixing it clears the errors and scores.
  await page.getByLabel("Age in years").fill("45");
  await page.getByLabel("Trainings attended").fill("2");
  await page.getByRole("button", { name: "Predict risk" }).click();
  await page.locator("#result[data-state=done]").waitFor();
  assert.equal(await page.locator("[aria-invalid=true]").count(), 0);
  assert.equal(await ageError.textContent(), "");
  assert.deepEqual(page.problems, []);
});

test("keyboard only: tab to a field, type, submit with Enter", async () => {
  const page = await openPlayground();
  await page.locator("#f-employee_id").focus();
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.name), "age");
  await page.keyboard.press("Control+A");
  await page.keyboard.type("33");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.name), "genre");
  await page.keyboard.press("ArrowDown");  // a select changes with the arrow keys
  assert.equal(await page.locator("#f-genre").inputValue(), "M");
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Enter");  // implicit submission from a text field
  await page.locator("#result[data-state=done]").waitFor();
  assert.match(await page.locator("#probability").textContent(), /^\d+\.\d\d %$/);
  // Focus is visible: the focused control gets an outline.
  await page.locator("#predict").focus();
  const outline = await page.locator("#predict").evaluate((n) => getComputedStyle(n).outlineStyle);
  assert.notEqual(outline, "none");
  await screenshot(page, "playground-keyboard-focus", { fullPage: false });
  assert.deepEqual(page.problems, []);
});

test("phone width (375 px): no horizontal scrolling, result and chart fit", async () => {
  const page = await openPlayground({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
  await page.getByRole("button", { name: "Predict risk" }).click();
  await page.locator("#result[data-state=done]").waitFor();
  const widths = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, view: document.documentElement.clientWidth,
  }));
  assert.ok(widths.scroll <= widths.view, `page is ${widths.scroll} px wide in a ${widths.view} px view`);
  const bar = await page.locator("#chart .bar-row").first().boundingBox();
  assert.ok(bar.x >= 0 && bar.x + bar.width <= widths.view);
  await screenshot(page, "playground-phone");
  await page.locator("#result").scrollIntoViewIfNeeded();
  await screenshot(page, "playground-phone-result", { fullPage: false });
  assert.deepEqual(page.problems, []);
});
