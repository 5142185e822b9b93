// The monitoring page against the real binary, in headless chromium: the figures it shows are the
// API's; the API key lives in the tab's sessionStorage only; a refused key shows no figure; it
// works with the keyboard and at phone width (nothing scrolls sideways: tables too wide become
// cards); the drift chart's texts never cross its threshold lines or each other; the daily chart
// has a series per model version; and axe-core finds no WCAG 2.1 A/AA or best-practice violation
// on it, on the landing page or on the playground.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setup, screenshot, screenshotDir, sourceDir } from "./harness.mjs";

const KEY = "monitoring-browser-test-key";
const scratch = mkdtempSync(path.join(os.tmpdir(), "attrition-monitoring-"));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

// The keys file holds the key's hash, as `attrition keys hash` writes it.
const hashed = spawnSync(process.env.ATTRITION_BINARY, ["keys", "hash", "--name", "browser"],
  { input: `${KEY}\n`, encoding: "utf8" });
assert.equal(hashed.status, 0, hashed.stderr);
const keysFile = path.join(scratch, "keys.txt");
writeFileSync(keysFile, hashed.stdout);

// The committed model repository, with its non-default version made to look trained before the
// artifacts kept their training distributions: drift answers 409 for that version.
const modelDir = path.join(scratch, "model");
cpSync(path.join(sourceDir, "model"), modelDir, { recursive: true });
const defaultVersion = JSON.parse(readFileSync(path.join(modelDir, "serving.json"), "utf8")).default;
const oldVersion = readdirSync(modelDir)
  .find((v) => v !== defaultVersion && existsSync(path.join(modelDir, v, "metadata.json")));
assert.ok(oldVersion, "the committed repository has a second version");
const metadataFile = path.join(modelDir, oldVersion, "metadata.json");
const metadata = JSON.parse(readFileSync(metadataFile, "utf8"));
delete metadata.training_distributions;
writeFileSync(metadataFile, JSON.stringify(metadata));

const env = setup(test, ["--api-keys-file", keysFile, "--model-dir", modelDir]);

const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
const fixed = (x) => x.toFixed(3);
const near = (a, b) => Math.abs(a - b) < 0.01;

async function api(target, init = {}) {
  const response = await fetch(`${env.server.url}${target}`, {
    ...init, headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
  });
  return { status: response.status, body: await response.json() };
}

function readCsv(file) {
  const [header, ...rows] = readFileSync(file, "utf8").trim().split(/\r?\n/).map((l) => l.split(","));
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

// The first TechNova employees with their real outcome when the extracts are at hand
// (ATTRITION_DATA_DIR: three files, one employee per row in the same order); otherwise the API's
// example employee varied. Either way both outcomes and several groups per fairness attribute.
function employees(schema, count) {
  const dir = process.env.ATTRITION_DATA_DIR;
  const files = ["extrait_sirh.csv", "extrait_eval.csv", "extrait_sondage.csv"]
    .map((f) => path.join(dir || "", f));
  if (dir && files.every((f) => existsSync(f))) {
    const [sirh, evaluations, survey] = files.map(readCsv);
    return sirh.slice(0, count).map((row, i) => {
      const merged = { ...row, ...evaluations[i], ...survey[i] };
      const employee = { employee_id: `T${row.id_employee}` };
      for (const [name, property] of Object.entries(schema.properties)) {
        if (merged[name] === undefined) continue;
        const numeric = property.type === "integer" || property.type === "number";
        employee[name] = numeric ? Number(merged[name]) : merged[name];
      }
      return { employee, left: merged.a_quitte_l_entreprise === "Oui" };
    });
  }
  const example = Object.fromEntries(schema.required.map((n) => [n, schema.properties[n].examples[0]]));
  return Array.from({ length: count }, (_, i) => ({
    employee: { ...example, employee_id: `S${i + 1}`, age: 20 + ((i * 7) % 40),
      genre: i % 2 ? "M" : "F", statut_marital: schema.properties.statut_marital.enum[i % 3],
      heure_supplementaires: i % 4 === 0 ? "Oui" : "Non", revenu_mensuel: 1500 + ((i * 797) % 14000),
      satisfaction_employee_environnement: 1 + (i % 4) },
    left: i % 3 === 0 || i % 4 === 0,
  }));
}

// 300 predictions of the default version, today; outcomes reported today for 270 of them (at
// least 30 leavers and 30 stayers: the floor of every live figure). With horizon_days=0 those
// 270 resolve (left today: positive; still employed today: negative); with the default horizon
// of 365 days none is due yet and the departures are early departures. Done once, by the first test that
// opens the page: node 20 runs root-level before hooks concurrently, so a hook here could run
// before setup's has started the server.
async function seed() {
  const doc = await (await fetch(`${env.server.url}/openapi.json`)).json();
  const rows = employees(doc.components.schemas.Employee, 300);
  for (let start = 0; start < rows.length; start += 100) {
    const batch = rows.slice(start, start + 100).map((r) => r.employee);
    const scored = await api("/api/v1/predict/batch", { method: "POST", body: JSON.stringify({ employees: batch }) });
    assert.equal(scored.status, 200, JSON.stringify(scored.body));
  }
  const today = new Date().toISOString().slice(0, 10);
  const outcomes = rows.slice(0, 270).map((r) => ({
    employee_id: r.employee.employee_id, event: r.left ? "left" : "stayed", date: today }));
  const stored = await api("/api/v1/outcomes", { method: "POST", body: JSON.stringify({ outcomes }) });
  assert.equal(stored.status, 200, JSON.stringify(stored.body));
  assert.ok(rows.some((r) => r.left) && rows.some((r) => !r.left), "both outcomes reported");
}
let seeding;
const seeded = () => (seeding ??= seed());

async function openMonitoring(options) {
  await seeded();
  const page = await env.page(options);
  await page.goto(`${env.server.url}/monitoring`);
  // The version picker is filled from /api/v1/models before the page is ready for a key.
  await page.locator(`#model-version option[value="${defaultVersion}"]`).waitFor({ state: "attached" });
  return page;
}

async function showFigures(page, { key = KEY, horizon, version } = {}) {
  await page.getByLabel("API key").fill(key);
  if (horizon !== undefined) await page.getByLabel("Outcome horizon (days)").fill(String(horizon));
  if (version) await page.getByLabel("Model version", { exact: true }).selectOption(version);
  await page.getByRole("button", { name: "Show the figures" }).click();
  // A refusal empties the status line, so it is waited for attached, not visible.
  await page.locator("#status:is([data-state=loaded], [data-state=refused])").waitFor({ state: "attached" });
}

const cells = (row) => row.locator("th, td").allInnerTexts();

async function axeViolations(page) {
  await page.addScriptTag({ path: path.join(sourceDir, "web", "node_modules", "axe-core", "axe.min.js") });
  const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }), AXE_TAGS);
  assert.ok(result.passes.length > 10, "axe ran its rules");
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join("; ")}`);
}

test("the figures are the API's: predictions per day, PSI per input, live against CV, calibration, fairness", async () => {
  const page = await openMonitoring({ viewport: { width: 1280, height: 1000 } });
  assert.equal(await page.getByLabel("Model version", { exact: true }).inputValue(), defaultVersion, "the default is chosen");
  await showFigures(page, { horizon: 0 });
  const q = `model_version=${defaultVersion}`;
  const [stats, drift, performance, fairness] = await Promise.all([
    api("/api/v1/stats?days=30"), api(`/api/v1/monitoring/drift?${q}&days=30`),
    api(`/api/v1/monitoring/performance?${q}&horizon_days=0`),
    api(`/api/v1/monitoring/fairness?${q}&horizon_days=0`)].map(async (p) => (await p).body));

  // Predictions per day: a row and a stacked bar per day, one segment per level present.
  assert.equal(stats.total, 300);
  for (const day of stats.per_day) {
    const row = await cells(page.locator(`#volume tr[data-date="${day.date}"]`));
    assert.deepEqual(row.slice(0, 5), [day.date, ...["LOW", "MEDIUM", "HIGH"].map((l) => String(day.by_risk_level[l])), String(day.total)]);
    for (const level of ["LOW", "MEDIUM", "HIGH"]) {
      const segments = await page.locator(`#volume rect[data-date="${day.date}"][data-level="${level}"]`).count();
      assert.equal(segments, day.by_risk_level[level] > 0 ? 1 : 0, `${day.date} ${level}`);
    }
  }
  assert.match(await page.locator("#volume p").first().innerText(),
    new RegExp(`^${stats.total} predictions .*${stats.by_risk_level.HIGH} high, ${stats.by_risk_level.MEDIUM} medium, ${stats.by_risk_level.LOW} low`));

  // Drift: the table gives every input's PSI, level and KS, the prediction's first.
  const inputs = [drift.prediction, ...drift.features];
  assert.deepEqual(await page.locator("#drift tbody tr[data-name]").evaluateAll((rs) => rs.map((r) => r.dataset.name)),
    inputs.map((f) => f.name));
  for (const f of inputs) {
    const [, kind, n, psi, level, ks] = await cells(page.locator(`#drift tr[data-name="${f.name}"]`));
    assert.deepEqual([kind, n, psi, level], [f.kind, String(f.n), fixed(f.psi), f.level], f.name);
    assert.equal(ks, f.kind === "numeric" ? fixed(f.ks) : "–", `${f.name} KS`);
  }
  // Top movers: each input's largest bin, the five largest, as the API ranks and sizes them.
  const movers = inputs.filter((f) => f.n > 0).map((f) => ({ f, b: f.bins[0] }))
    .sort((x, y) => y.b.contribution - x.b.contribution).slice(0, 5);
  assert.deepEqual(await page.locator("#drift tr[data-mover]").evaluateAll((rs) => rs.map((r) => r.dataset.mover)),
    movers.map(({ f }) => f.name));
  for (const { f, b } of movers) {
    const [, , training, live, part, chance] = await cells(page.locator(`#drift tr[data-mover="${f.name}"]`));
    assert.deepEqual([training, live, part], [`${(b.training_share * 100).toFixed(1)} %`,
      `${(b.live_share * 100).toFixed(1)} %`, fixed(b.contribution)], f.name);
    assert.equal(f.beyond_chance, f.psi > f.chance_bound);
    assert.equal(chance, f.beyond_chance ? "yes" : `no (chance reaches ${fixed(f.chance_bound)})`);
  }
  // The chart: the threshold lines at 0.1 and 0.25 fix the scale; every bar is its PSI on that
  // scale (or cut at the scale's end and marked so).
  const lineX = async (name) => Number(await page.locator(`#drift line[data-threshold="${name}"]`).getAttribute("x1"));
  assert.deepEqual(drift.thresholds, { moderate: 0.1, significant: 0.25 });
  const moderateX = await lineX("moderate"), significantX = await lineX("significant");
  const pxPerPsi = (significantX - moderateX) / (drift.thresholds.significant - drift.thresholds.moderate);
  const zeroX = moderateX - drift.thresholds.moderate * pxPerPsi;
  assert.ok(pxPerPsi > 0);
  for (const f of inputs) {
    const bar = page.locator(`#drift rect[data-name="${f.name}"]`);
    assert.ok(near(Number(await bar.getAttribute("x")), zeroX), `${f.name} starts at 0`);
    const width = Number(await bar.getAttribute("width"));
    if (await bar.getAttribute("data-cut")) {
      assert.ok(f.psi * pxPerPsi > width, `${f.name} is cut`);
    } else {
      assert.ok(near(width, Math.max(1, f.psi * pxPerPsi)), `${f.name}: ${width} px for PSI ${f.psi}`);
    }
    assert.match(await bar.getAttribute("class"), new RegExp(`fill-${f.level}`));
  }
  assert.match(await page.locator("#drift svg").getAttribute("aria-label"), /against the thresholds 0\.1 \(moderate\) and 0\.25 \(significant\)/);

  // Live performance beside cross-validation, with the counts.
  assert.equal(performance.resolved, 270);
  assert.equal(performance.unresolved, 30);
  assert.notEqual(performance.roc_auc, null);
  const facts = await page.locator("#performance dl dt").evaluateAll((dts) => dts.map((dt) => [dt.textContent, dt.nextElementSibling.textContent]));
  assert.deepEqual(facts, [["Resolved predictions", "270"], ["Unresolved", "30"],
    [`Not yet due (made less than 0 days before ${performance.as_of})`, "0"],
    ["Early departures (not yet due, already left: not judged)", "0"],
    ["Positives (left within 0 days)", String(performance.positives)],
    ["Decision threshold (will_leave)", String(performance.decision_threshold)]]);
  for (const key of ["roc_auc", "pr_auc", "precision", "recall", "f1_score", "brier"]) {
    const [, live, estimated, cv] = await cells(page.locator(`#performance tr[data-metric="${key}"]`));
    const figure = performance.realized[key];
    assert.equal(live, fixed(performance[key]) +
      (figure.interval ? ` (${fixed(figure.interval[0])}–${fixed(figure.interval[1])})` : "") +
      `, n = ${figure.n}`, key);
    const guess = performance.estimated.figures[key];
    assert.equal(estimated, !guess ? "not estimated" : fixed(guess.value) +
      (guess.interval ? ` (${fixed(guess.interval[0])}–${fixed(guess.interval[1])})` : "") +
      `, n = ${guess.n}`, key);
    const reference = performance.cross_validation[key];
    assert.equal(cv, reference ? `${fixed(reference.mean)} ± ${fixed(reference.std)}` : "not measured at training");
  }

  // Week by week: the last eight weeks from Monday 00:00 UTC, each the API's answer for it.
  const weekRows = await page.locator("#performance tr[data-week]").evaluateAll((rs) => rs.map((r) => r.dataset.week));
  assert.equal(weekRows.length, 8);
  const thisMonday = new Date();
  thisMonday.setUTCHours(0, 0, 0, 0);
  thisMonday.setUTCDate(thisMonday.getUTCDate() - (thisMonday.getUTCDay() + 6) % 7);
  assert.equal(weekRows[0], thisMonday.toISOString().slice(0, 10));
  let weeklyPredictions = 0;
  for (const [i, week] of weekRows.entries()) {
    const since = new Date(`${week}T00:00:00Z`), until = new Date(since.getTime() + 7 * 86400000);
    assert.equal(since.getTime(), thisMonday.getTime() - i * 7 * 86400000, "consecutive weeks");
    const answer = (await api(`/api/v1/monitoring/performance?${q}&horizon_days=0&since=${week}T00:00:00Z` +
      `&until=${until.toISOString().replace(".000Z", "Z")}`)).body;
    const [, n, expected, estimated, realized] = await cells(page.locator(`#performance tr[data-week="${week}"]`));
    assert.equal(n, String(answer.estimated.n), week);
    weeklyPredictions += answer.estimated.n;
    assert.equal(expected, answer.estimated.expected_positives === null ? "–" : answer.estimated.expected_positives.toFixed(1));
    const shown = (figure, value) => (value === null ? (figure.reason === "no_predictions" ? "no predictions" : "not enough outcomes")
      : `${fixed(value)}${figure.interval ? ` (${fixed(figure.interval[0])}–${fixed(figure.interval[1])})` : ""}`);
    assert.equal(estimated, shown(answer.estimated.figures.roc_auc, answer.estimated.roc_auc), week);
    assert.equal(realized, shown(answer.realized.roc_auc, answer.roc_auc), week);
  }
  assert.equal(weeklyPredictions, performance.estimated.n, "every prediction is in one of the weeks");

  // Calibration: one circle per live decile, one square per CV decile, each on the plot's scale
  // (the diagonal runs from (0, 0) to (1, 1)).
  const live = performance.calibration, cv = performance.cross_validation.calibration;
  assert.equal(live.length, 10);
  const diagonal = page.locator("#calibration line.diagonal");
  const [x0, y0, x1, y1] = await Promise.all(["x1", "y1", "x2", "y2"].map(async (a) => Number(await diagonal.getAttribute(a))));
  const circles = await page.locator("#calibration circle.point-live").evaluateAll((cs) => cs.map((c) => [Number(c.getAttribute("cx")), Number(c.getAttribute("cy"))]));
  assert.equal(circles.length, live.length);
  live.forEach((d, i) => {
    assert.ok(near(circles[i][0], x0 + d.mean_predicted * (x1 - x0)) && near(circles[i][1], y0 + d.observed_rate * (y1 - y0)), `live decile ${i + 1}`);
  });
  assert.equal(await page.locator("#calibration rect.point-cv").count(), cv.length);
  for (let i = 0; i < 10; ++i) {
    assert.deepEqual(await cells(page.locator(`#calibration tr[data-decile="${i + 1}"]`)), [String(i + 1),
      fixed(live[i].mean_predicted), fixed(live[i].observed_rate), String(live[i].n),
      fixed(cv[i].mean_predicted), fixed(cv[i].observed_rate), String(cv[i].n)]);
  }

  // Fairness, live and at training: the ratio, its four-fifths flag in words, the TPR gap, and
  // every group's figures.
  assert.equal(fairness.live.length, 3);
  let flagged = 0;
  for (const [scope, attributes] of [["live", fairness.live], ["training", fairness.training]]) {
    for (const a of attributes) {
      const block = page.locator(`.fairness[data-scope="${scope}"][data-attribute="${a.attribute}"]`);
      assert.equal(await block.locator(".ratio").innerText(),
        a.selection_rate_ratio === null ? "none: nobody is flagged" : fixed(a.selection_rate_ratio), `${scope} ${a.attribute}`);
      assert.equal(await block.getByText("below four-fifths", { exact: true }).count(), a.below_four_fifths ? 1 : 0);
      flagged += a.below_four_fifths ? 1 : 0;
      assert.equal(await block.locator(".tpr-difference").innerText(),
        a.tpr_difference === null ? "not enough outcomes" : fixed(a.tpr_difference));
      // Beside each live ratio, the training one, and whether it was already below.
      const trained = scope === "live" ? fairness.training.find((t) => t.attribute === a.attribute) : undefined;
      assert.equal(await block.locator(".training-ratio").count(), trained ? 1 : 0);
      if (trained) {
        assert.equal(await block.locator(".training-ratio").innerText(), fixed(trained.selection_rate_ratio));
        assert.equal(await block.getByText("already below at training: known", { exact: true }).count(),
          trained.below_four_fifths ? 1 : 0);
      }
      for (const g of a.groups) {
        const shown = await cells(block.locator(`tr[data-group="${g.group}"]`));
        const rate = (key) => (g[key] === null ? "n/a" : fixed(g[key]) +
          (g.intervals[key] ? ` (${fixed(g.intervals[key][0])}–${fixed(g.intervals[key][1])})` : ""));
        assert.deepEqual(shown, [g.group, String(g.n), rate("selection_rate"), rate("mean_predicted"),
          String(g.resolved), rate("observed_rate"), rate("tpr"), rate("fpr"), rate("precision")]);
      }
    }
  }
  assert.ok(flagged >= 1, "the committed model's training table has an attribute below four-fifths");
  // At this width every table's columns fit: none is turned into cards.
  assert.equal(await page.locator("#figures table").count(), 12, "per day, drift 2, performance 2, calibration, fairness 6");
  assert.deepEqual(await page.locator("#figures thead").evaluateAll((hs) => hs.map((h) => getComputedStyle(h).display))
    .then((d) => [...new Set(d)]), ["table-header-group"]);
  await screenshot(page, "monitoring-desktop");
  assert.deepEqual(page.problems, []);
});

test("null figures say so: one-class outcomes, a version with no predictions and no training distributions", async () => {
  const page = await openMonitoring();
  page.expectedStatuses.add(409);
  // With the default horizon nothing made today is due: today's departures are early
  // departures, not judged, and no figure is given.
  await showFigures(page);
  const performance = (await api(`/api/v1/monitoring/performance?model_version=${defaultVersion}`)).body;
  assert.equal(performance.roc_auc, null);
  assert.equal(performance.resolved, 0);
  assert.ok(performance.early_departures > 0);
  assert.equal(performance.realized.roc_auc.reason, "no_mature_outcomes");
  const [, live, estimated] = await cells(page.locator('#performance tr[data-metric="roc_auc"]'));
  assert.equal(live, "not enough outcomes");
  // The estimate does not wait for outcomes.
  const guess = performance.estimated.figures.roc_auc;
  assert.notEqual(guess.value, null);
  assert.equal(estimated, `${fixed(guess.value)} (${fixed(guess.interval[0])}–${fixed(guess.interval[1])}), n = ${guess.n}`);

  await showFigures(page, { version: oldVersion });
  const drift = await api(`/api/v1/monitoring/drift?model_version=${oldVersion}`);
  assert.equal(drift.status, 409);
  assert.equal(await page.locator("#drift").innerText(), `The API answered 409: ${drift.body.detail}`);
  assert.match(drift.body.detail, /training distributions/);
  assert.match(await page.locator("#performance").innerText(), /Not enough outcomes yet: no prediction is resolved/);
  for (const key of ["roc_auc", "pr_auc", "precision", "recall", "f1_score", "brier"]) {
    const [, value] = await cells(page.locator(`#performance tr[data-metric="${key}"]`));
    assert.equal(value, "not enough outcomes", key);
  }
  assert.match(await page.locator("#calibration").innerText(), /Not enough outcomes yet for live points/);
  assert.equal(await page.locator("#calibration circle.point-live").count(), 0);
  assert.ok(await page.locator("#calibration rect.point-cv").count() > 0, "the CV deciles are still drawn");
  assert.match(await page.locator("#fairness").innerText(), /No predictions of this version yet/);
  assert.equal(await page.locator('.fairness[data-scope="live"]').count(), 0);
  await screenshot(page, "monitoring-no-outcomes");
  assert.deepEqual(page.problems, []);
});

test("the key is kept for the tab only: sessionStorage, never localStorage, a cookie or a URL", async () => {
  const page = await openMonitoring();
  const urls = [];
  page.on("request", (r) => urls.push(r.url()));
  await showFigures(page);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("attrition-api-key")), KEY);
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  assert.deepEqual(await page.context().cookies(), []);
  assert.ok(urls.some((u) => u.includes("/api/v1/monitoring/drift")));
  assert.ok(urls.every((u) => !u.includes(KEY)), "the key is sent as a header only");

  // The same tab keeps it across a reload: the figures come back without typing it.
  await page.reload();
  await page.locator("#status[data-state=loaded]").waitFor();
  assert.equal(await page.locator("#figures").isVisible(), true);

  // Another tab, or another browser profile, does not have it.
  for (const other of [await page.context().newPage(), await env.page()]) {
    await other.goto(`${env.server.url}/monitoring`);
    await other.locator(`#model-version option[value="${defaultVersion}"]`).waitFor({ state: "attached" });
    assert.equal(await other.evaluate(() => sessionStorage.getItem("attrition-api-key")), null);
    assert.equal(await other.getByLabel("API key").inputValue(), "");
    assert.equal(await other.locator("#figures").isHidden(), true);
  }

  // Forgetting it empties the field, the storage and the page.
  await page.getByRole("button", { name: "Forget the key" }).click();
  assert.equal(await page.evaluate(() => sessionStorage.getItem("attrition-api-key")), null);
  assert.equal(await page.getByLabel("API key").inputValue(), "");
  assert.equal(await page.locator("#figures").isHidden(), true);
  assert.deepEqual(page.problems, []);
});

test("a refused key shows the API's reason and no figure, and is not kept", async () => {
  const page = await openMonitoring();
  page.expectedStatuses.add(401);
  await showFigures(page);  // a valid key first: its figures must go
  assert.ok(await page.locator("#figures td").count() > 0);
  await showFigures(page, { key: "not-a-key" });
  assert.equal(await page.locator("#status").getAttribute("data-state"), "refused");
  const alert = page.getByRole("alert");
  assert.match(await alert.innerText(), /^The API refused the key \(401: Invalid API key\)/);
  assert.equal(await page.locator("#figures").isHidden(), true);
  assert.equal(await page.locator("#figures td, #figures svg, #figures p").count(), 0, "no figure left in the page");
  assert.equal(await page.evaluate(() => sessionStorage.getItem("attrition-api-key")), null);
  assert.equal(await page.evaluate(() => document.activeElement.id), "api-key", "focus back on the key");
  await screenshot(page, "monitoring-refused");
  assert.deepEqual(page.problems, []);
});

test("keyboard only: the controls in reading order, the key typed and submitted with Enter", async () => {
  const page = await openMonitoring();
  const order = [];
  for (let i = 0; i < 12; ++i) {
    await page.keyboard.press("Tab");
    order.push(await page.evaluate(() => document.activeElement.id || document.activeElement.getAttribute("href")));
  }
  assert.deepEqual(order, ["#main", "/", "/playground", "/monitoring", "/docs", "/redoc",
    "/api/v1/model/card", "api-key", "model-version", "days", "horizon", "show"]);
  await page.keyboard.press("Shift+Tab");  // back to the horizon
  await page.keyboard.press("Control+A");
  await page.keyboard.type("0");
  for (let i = 0; i < 3; ++i) await page.keyboard.press("Shift+Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "api-key");
  const outline = await page.locator("#api-key").evaluate((n) => getComputedStyle(n).outlineStyle);
  assert.notEqual(outline, "none", "the focus is visible");
  await page.keyboard.type(KEY);
  await page.keyboard.press("Enter");
  await page.locator("#status[data-state=loaded]").waitFor();
  const performance = (await api(`/api/v1/monitoring/performance?horizon_days=0`)).body;
  const [, live] = await cells(page.locator('#performance tr[data-metric="roc_auc"]'));
  assert.ok(live.startsWith(fixed(performance.roc_auc)), "the typed horizon was used");
  // Past the form, the tables that may scroll sideways take the focus, in the page's order.
  await page.locator("#forget").focus();
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.closest("section").getAttribute("aria-labelledby")), "volume-title");
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute("role")), "region");
  await screenshot(page, "monitoring-keyboard-focus", { fullPage: false });
  assert.deepEqual(page.problems, []);
});

// What, at the page's current width, lies past the screen's edge or in a box that scrolls
// sideways: the page itself, a table's box, a cell (a header row kept for screen readers only,
// clipped to 1 px, is not shown and not counted).
async function sidewaysScrolls(page) {
  return page.evaluate(() => {
    const view = document.documentElement.clientWidth;
    const found = [];
    if (document.documentElement.scrollWidth > view) found.push(`the page is ${document.documentElement.scrollWidth} px`);
    for (const box of document.querySelectorAll("#figures .table-wrap")) {
      if (box.scrollWidth > box.clientWidth) found.push(`"${box.getAttribute("aria-label")}" scrolls: ${box.scrollWidth} px in ${box.clientWidth}`);
    }
    for (const cell of document.querySelectorAll("#figures th, #figures td")) {
      const head = cell.closest("thead");
      if (head && head.getBoundingClientRect().width <= 1) continue;
      const r = cell.getBoundingClientRect();
      if (r.left < 0 || r.right > view + 0.5) found.push(`"${cell.textContent}" is at ${Math.round(r.left)}–${Math.round(r.right)} px`);
    }
    return { view, found };
  });
}

test("phone width (375 px): no horizontal scrolling, charts drawn to the width, tables as cards", async () => {
  const page = await openMonitoring({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
  await showFigures(page, { horizon: 0 });
  const { view, found } = await sidewaysScrolls(page);
  assert.ok(view <= 375);
  assert.deepEqual(found, [], "nothing past the edge, no table scrolls sideways");
  for (const chart of await page.locator("#figures svg").all()) {
    const box = await chart.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= view, `a chart is ${box.width} px at ${box.x}`);
  }
  // The drift chart puts the names above the bars at this width: a bar starts at the left edge.
  const bar = await page.locator("#drift rect[data-name]").first().boundingBox();
  const chart = await page.locator("#drift svg").boundingBox();
  assert.ok(Math.abs(bar.x - chart.x) < 1);

  // Every fairness table is a card per group: the group's name on top, each figure beside its
  // column's name, all on the screen; and still a table to a screen reader (header row, a row
  // header and eight cells per group).
  const fairness = (await api(`/api/v1/monitoring/fairness?model_version=${defaultVersion}&horizon_days=0`)).body;
  let tables = 0;
  for (const [scope, attributes] of [["live", fairness.live], ["training", fairness.training]]) {
    for (const a of attributes) {
      const block = page.locator(`.fairness[data-scope="${scope}"][data-attribute="${a.attribute}"]`);
      const table = block.getByRole("table");
      assert.equal(await table.getByRole("columnheader").count(), 9);
      assert.equal(await table.getByRole("rowheader").count(), a.groups.length);
      assert.equal(await table.getByRole("cell").count(), a.groups.length * 8);
      const columns = ["n", "Selection rate", "Mean predicted", "Resolved", "Observed rate", "TPR", "FPR", "Precision"];
      const wrap = await block.locator(".table-wrap").boundingBox();
      const cards = await block.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => ({
        group: tr.dataset.group,
        name: tr.querySelector("th").getBoundingClientRect().toJSON(),
        cells: [...tr.querySelectorAll("td")].map((td) => ({
          shown: getComputedStyle(td, "::before").content, box: td.getBoundingClientRect().toJSON(),
          value: (() => {  // the cell's own content, without its ::before name
            const range = document.createRange();
            range.selectNodeContents(td);
            return range.getBoundingClientRect().toJSON();
          })() })),
      })));
      assert.deepEqual(cards.map((c) => c.group), a.groups.map((g) => g.group));
      for (const { group, name, cells: figures } of cards) {
        assert.deepEqual(figures.map((f) => f.shown), columns.map((c) => `"${c}" / ""`), `${group}: each figure's column named beside it`);
        figures.forEach(({ box, value }, i) => {
          assert.ok(box.top >= name.bottom - 0.5, `${group}: ${columns[i]} under the group's name`);
          assert.ok(i === 0 || box.top >= figures[i - 1].box.bottom - 0.5, `${group}: ${columns[i]} on a line of its own`);
          assert.ok(box.width > wrap.width * 0.8, `${group}: ${columns[i]} across the card`);
          assert.ok(value.left > box.left + box.width / 3, `${group}: ${columns[i]}'s value right of its name`);
        });
      }
      ++tables;
    }
  }
  assert.equal(tables, 6, "three attributes, live and at training");
  await screenshot(page, "monitoring-phone");
  await page.locator("#drift").scrollIntoViewIfNeeded();
  await screenshot(page, "monitoring-phone-drift", { fullPage: false });
  await page.locator('.fairness[data-scope="live"][data-attribute="statut_marital"]').screenshot(
    { path: path.join(screenshotDir, "monitoring-phone-fairness.png") });
  assert.deepEqual(page.problems, []);
});

// Drift with the awkward cases made to happen: an input name far longer than any committed one,
// a bar ending just short of each threshold (where its value written after it would cross the
// line), an input without live values, and a bar cut at the scale's end.
const LONG_NAME = "satisfaction_employee_equilibre_pro_perso_et_vie_de_famille_depuis_la_derniere_evaluation_annuelle";
async function awkwardDrift(page) {
  await page.route("**/api/v1/monitoring/drift?*", async (route) => {
    const answer = await route.fetch();
    const body = await answer.json();
    const [first, second, third, fourth] = body.features;
    Object.assign(first, { name: LONG_NAME, psi: 0.09, level: "stable" });
    Object.assign(second, { psi: 0.24, level: "moderate" });
    Object.assign(third, { psi: null, ks: null, level: null, n: 0, bins: [] });
    Object.assign(fourth, { psi: 3.5, level: "significant" });
    await route.fulfill({ response: answer, json: body });
  });
}

test("drift chart: no text crosses a threshold line or another text, a long name whole, at 375, 700 and 1280 px", async () => {
  const page = await openMonitoring({ viewport: { width: 1280, height: 900 } });
  await awkwardDrift(page);
  await showFigures(page, { horizon: 0 });
  for (const width of [1280, 700, 375]) {
    await page.setViewportSize({ width, height: 900 });
    // Drawn again at the new width (the chart's box is the page's column, at most 60rem).
    await page.waitForFunction(() => {
      const box = document.querySelector("#drift .chart-box");
      return Number(box.querySelector("svg").getAttribute("width")) === box.clientWidth;
    });
    assert.equal(await page.locator("#drift .chart-box").evaluate((b) => b.clientWidth), Math.min(width, 960) - 32);
    const { texts, rules, chart } = await page.locator("#drift svg").evaluate((svg) => {
      const box = (n) => { const r = n.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom }; };
      return {
        chart: box(svg),
        texts: [...svg.querySelectorAll("text")].map((t) => ({ content: t.textContent, ...box(t) })),
        rules: [...svg.querySelectorAll("line")].map((l) => ({ name: l.dataset.threshold || "zero", ...box(l) })),
      };
    });
    // Each input's name and its value (or "no live values"), the prediction's too, and each
    // threshold's caption; both threshold lines and the zero line.
    const rows = (await page.locator("#drift tbody tr[data-name]").count());
    assert.ok(rows > 20);
    assert.equal(texts.length, 2 * rows + 2, `${width} px: every text drawn`);
    for (const name of ["moderate", "significant"]) assert.ok(rules.some((r) => r.name === name), `${width} px: the ${name} line`);
    assert.ok(texts.some((t) => t.content.startsWith(LONG_NAME.slice(0, 20)) && t.content.replace(/\s/g, "").endsWith("annuelle")),
      `${width} px: the long name is written whole`);
    // A line is 1.5 px wide: a text closer than 1 px to it touches it.
    const meet = (a, b, margin = 0) => a.left < b.right + margin && b.left - margin < a.right && a.top < b.bottom && b.top < a.bottom;
    const clashes = [];
    texts.forEach((t, i) => {
      if (t.left < chart.left - 0.5 || t.right > chart.right + 0.5) clashes.push(`"${t.content}" is cut by the chart's edge`);
      for (const r of rules) if (meet(t, r, 1)) clashes.push(`"${t.content}" crosses the ${r.name} line`);
      for (const u of texts.slice(i + 1)) if (meet(t, u)) clashes.push(`"${t.content}" overlaps "${u.content}"`);
    });
    assert.deepEqual(clashes, [], `${width} px`);
    assert.deepEqual((await sidewaysScrolls(page)).found, [], `${width} px: no table scrolls sideways, even with the long name`);
    await page.locator("#drift svg").screenshot({ path: path.join(screenshotDir, `monitoring-drift-long-name-${width}.png`) });
  }
  assert.deepEqual(page.problems, []);
});

// The API's days are all today here (its log cannot be back-dated): an answer of the same shape
// (by_model_version: per version, the answered predictions, shadow rows left out as in the
// totals) spans days, with a version missing on one, for the chart's scale and gaps.
function statsByVersion([a, b]) {
  const day = (i) => new Date(Date.UTC(2026, 0, 10 + i)).toISOString().slice(0, 10);
  const levels = (entries) => Object.fromEntries(["LOW", "MEDIUM", "HIGH"].map((l) =>
    [l, entries.reduce((n, e) => n + e.by_risk_level[l], 0)]));
  const figures = (entries) => ({ total: entries.reduce((n, e) => n + e.total, 0), by_risk_level: levels(entries),
    mean_attrition_prob: 0.15 });
  const version = (model_version, LOW, MEDIUM, HIGH) => ({ model_version, total: LOW + MEDIUM + HIGH,
    by_risk_level: { LOW, MEDIUM, HIGH }, mean_attrition_prob: 0.15 });
  // Five days: predictions on the second, fourth and fifth; the second version none on the fourth.
  const perDay = [[1, [version(a, 4, 0, 1), version(b, 2, 0, 0)]], [3, [version(a, 4, 0, 0)]],
    [4, [version(a, 2, 1, 0), version(b, 5, 0, 1)]]]
    .map(([i, entries]) => ({ date: day(i), ...figures(entries), by_model_version: entries }));
  const whole = (name) => ({ model_version: name,
    ...figures(perDay.flatMap((d) => d.by_model_version.filter((e) => e.model_version === name))) });
  return { days: 5, since: `${day(0)}T00:00:00.000000Z`, ...figures(perDay), per_day: perDay,
    by_model_version: [whole(b), whole(a)] };  // in no particular order: the page sorts them
}

test("the daily chart per model version: a series each, a legend naming them, counts to scale", async () => {
  const versions = [defaultVersion, oldVersion].sort();
  // The API's own answer first: a few predictions of the other version beside the default's.
  const doc = await (await fetch(`${env.server.url}/openapi.json`)).json();
  const others = employees(doc.components.schemas.Employee, 7).map((r) => r.employee);
  const scoredByOld = await fetch(`${env.server.url}/api/v1/predict/batch`, { method: "POST",
    headers: { "Content-Type": "application/json", "X-Model-Version": oldVersion },
    body: JSON.stringify({ employees: others }) });
  assert.equal(scoredByOld.status, 200, await scoredByOld.text());
  const real = (await api("/api/v1/stats?days=30")).body;
  const today = real.per_day.at(-1);
  assert.deepEqual(today.by_model_version.map((e) => e.model_version), versions, "the API breaks the day down by version");
  assert.equal(today.by_model_version.find((e) => e.model_version === oldVersion).total, others.length);
  assert.equal(today.by_model_version.reduce((n, e) => n + e.total, 0), today.total);
  const realPage = await openMonitoring({ viewport: { width: 1280, height: 1000 } });
  await showFigures(realPage, { horizon: 0 });
  const realSeries = await realPage.locator('#volume [data-chart="versions"] svg g[data-version]').evaluateAll((gs) =>
    gs.map((g) => [g.dataset.version, [...g.querySelectorAll("[data-date]")].map((m) => [m.dataset.date, Number(m.dataset.count)])]));
  assert.deepEqual(realSeries, versions.map((v) => [v, [[today.date, today.by_model_version.find((e) => e.model_version === v).total]]]));
  assert.deepEqual(realPage.problems, []);

  const page = await openMonitoring({ viewport: { width: 1280, height: 1000 } });
  const stats = statsByVersion(versions);
  await page.route("**/api/v1/stats?*", (route) => route.fulfill({ json: stats }));
  await showFigures(page, { horizon: 0 });
  const chart = page.locator('#volume [data-chart="versions"] svg');

  // A series per version, in the legend's order, each named there with its own mark.
  const series = await chart.locator("g[data-version]").evaluateAll((gs) => gs.map((g) => ({
    version: g.dataset.version, stroke: getComputedStyle(g.querySelector("polyline")).stroke,
    marks: [...g.querySelectorAll("[data-date]")].map((m) => {
      const b = m.getBBox();
      return { date: m.dataset.date, count: Number(m.dataset.count), shape: m.dataset.shape, fill: getComputedStyle(m).fill, y: b.y + b.height / 2 };
    }) })));
  assert.deepEqual(series.map((s) => s.version), versions);
  const legend = await page.locator("#volume .versions-legend [data-version]").evaluateAll((items) => items.map((i) => ({
    name: i.textContent.trim(), shape: i.querySelector("[data-shape]").dataset.shape })));
  assert.deepEqual(legend.map((l) => l.name), versions, "the legend names each version");
  assert.equal(new Set(series.map((s) => s.stroke)).size, versions.length, "a colour each");
  for (const [i, s] of series.entries()) {
    assert.equal(new Set(s.marks.map((m) => m.shape)).size, 1);
    assert.equal(s.marks[0].shape, legend[i].shape, `${s.version}: the legend shows its mark`);
  }
  assert.equal(new Set(series.map((s) => s.marks[0].shape)).size, versions.length, "a mark shape each, not colour alone");

  // Each version's days, and nothing else; the heights on one scale from the baseline.
  const baseline = Number(await chart.locator("line.axis").first().getAttribute("y1"));
  const pxPerPrediction = (baseline - series[0].marks[0].y) / series[0].marks[0].count;
  for (const s of series) {
    const expected = stats.per_day.flatMap((d) => d.by_model_version.filter((e) => e.model_version === s.version)
      .map((e) => ({ date: d.date, count: e.total })));
    assert.deepEqual(s.marks.map(({ date, count }) => ({ date, count })), expected, s.version);
    for (const m of s.marks) assert.ok(near(baseline - m.y, m.count * pxPerPrediction), `${s.version} ${m.date}: ${m.count} to scale`);
  }
  assert.match(await chart.getAttribute("aria-label"), new RegExp(versions.map((v) => `${v} ${stats.by_model_version.find((e) => e.model_version === v).total}`).join(", ")));

  // The table: every day with predictions, a column per version, and the day's total.
  for (const d of stats.per_day) {
    const count = (v) => String((d.by_model_version.find((e) => e.model_version === v) || { total: 0 }).total);
    assert.deepEqual(await cells(page.locator(`#volume tr[data-date="${d.date}"]:has(td[data-version])`)),
      [d.date, ...versions.map(count), String(d.total)]);
  }
  assert.deepEqual(await axeViolations(page), [], "with the versions' chart");
  await page.locator("#volume").screenshot({ path: path.join(screenshotDir, "monitoring-versions-desktop.png") });
  await page.setViewportSize({ width: 375, height: 740 });
  await page.waitForFunction(() => {
    const box = document.querySelector('#volume [data-chart="versions"]');
    return Number(box.querySelector("svg").getAttribute("width")) === box.clientWidth;
  });
  assert.deepEqual((await sidewaysScrolls(page)).found, [], "375 px: nothing scrolls sideways");
  await page.locator("#volume").screenshot({ path: path.join(screenshotDir, "monitoring-versions-phone.png") });
  assert.deepEqual(page.problems, []);
});

test("axe-core: no WCAG 2.1 A/AA or best-practice violation on /, /playground and /monitoring", async () => {
  const page = await env.page();
  await page.goto(`${env.server.url}/`);
  await page.locator("#status[data-state=healthy]").waitFor();
  await page.locator("#model dd").first().waitFor();
  assert.deepEqual(await axeViolations(page), [], "/");

  await page.goto(`${env.server.url}/playground`);
  await page.locator("#employee-form:not([hidden])").waitFor();
  assert.deepEqual(await axeViolations(page), [], "/playground");

  await seeded();
  await page.goto(`${env.server.url}/monitoring`);
  await page.locator(`#model-version option[value="${defaultVersion}"]`).waitFor({ state: "attached" });
  await showFigures(page, { horizon: 0 });
  assert.ok(await page.locator("#figures svg").count() >= 3, "the figures are loaded");
  assert.deepEqual(await axeViolations(page), [], "/monitoring");
  assert.deepEqual(page.problems, []);
});
