// The playground's roster view: a CSV loaded in the browser, scored through the batch endpoint.
import test from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { setup, screenshot } from "./harness.mjs";

const env = setup(test);

async function openPlayground(options) {
  const page = await env.page(options);
  await page.goto(`${env.server.url}/playground`);
  await page.locator("#employee-form:not([hidden])").waitFor();
  return page;
}

// The API's example employee with some fields changed, as CSV rows under the schema's field names.
async function roster(changes) {
  const doc = await (await fetch(`${env.server.url}/openapi.json`)).json();
  const schema = doc.components.schemas.Employee;
  const names = schema.required;
  const example = Object.fromEntries(names.map((n) => [n, schema.properties[n].examples[0]]));
  const employees = changes.map((c, i) => ({ employee_id: `E${100 + i}`, ...example, ...c }));
  const quote = (v) => (/[",;\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  const header = ["employee_id", ...names];
  const csv = [header, ...employees.map((e) => header.map((n) => e[n]))]
    .map((r) => r.map(quote).join(",")).join("\r\n");
  return { csv, employees };
}

async function batchScores(employees) {
  const response = await fetch(`${env.server.url}/api/v1/predict/batch`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ employees }),
  });
  assert.equal(response.status, 200);
  return (await response.json()).predictions;
}

test("roster: load a small CSV, see scores with risk levels, sort the table, download the results", async () => {
  const page = await openPlayground();
  const { csv, employees } = await roster([
    { age: 24, heure_supplementaires: "Oui", poste: "Représentant Commercial", revenu_mensuel: 1900 },
    { age: 52, heure_supplementaires: "Non", poste: "Manager", revenu_mensuel: 15000,
      satisfaction_employee_environnement: 4 },
    { age: 35, heure_supplementaires: "Oui", departement: "Consulting", poste: "Consultant" },
    { age: 41, statut_marital: "Married", genre: "Male" },  // English aliases are accepted
  ]);
  await page.getByLabel("Roster file (.csv)").setInputFiles({
    name: "team.csv", mimeType: "text/csv", buffer: Buffer.from(`\ufeff${csv}\r\n`, "utf8"),
  });
  await page.locator("#roster-result:not([hidden])").waitFor();
  assert.match(await page.locator("#roster-status").textContent(), /^4 employees scored/);

  // The table holds what the batch endpoint says, sorted by probability (highest first).
  const expected = await batchScores(employees);
  const rows = page.locator("#roster-table tbody tr");
  assert.equal(await rows.count(), 4);
  const table = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  const byProbability = [...expected].sort((a, b) => b.probability_leave - a.probability_leave);
  assert.deepEqual(table.map((r) => r[1]), byProbability.map((p) => p.employee_id));
  for (const row of table) {
    const p = expected.find((e) => e.employee_id === row[1]);
    assert.equal(row[3], `${p.probability_leave.toFixed(2)} %`);
    assert.equal(row[4], p.risk_level);
  }
  assert.equal(await page.locator('th[aria-sort="descending"] button[data-key="probability"]').count(), 1);
  await screenshot(page, "roster-scored");

  // Sorting: by employee, ascending then descending; the header says which.
  const ids = async () => rows.evaluateAll((trs) => trs.map((tr) => tr.cells[1].textContent));
  await page.getByRole("button", { name: /^Employee/ }).click();
  await page.locator('th[aria-sort="ascending"] button[data-key="employee_id"]').waitFor();
  assert.deepEqual(await ids(), ["E100", "E101", "E102", "E103"]);
  await page.getByRole("button", { name: /^Employee/ }).click();
  await page.locator('th[aria-sort="descending"] button[data-key="employee_id"]').waitFor();
  assert.deepEqual(await ids(), ["E103", "E102", "E101", "E100"]);
  // Sorting keeps the keyboard focus on the column's button.
  assert.equal(await page.evaluate(() => document.activeElement.dataset.key), "employee_id");
  await page.keyboard.press("Enter");
  await page.locator('th[aria-sort="ascending"] button[data-key="employee_id"]').waitFor();

  // Download: the file is the roster with the scores appended, in file order.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download the scores (CSV)" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), "attrition-scores.csv");
  const text = await readFile(await download.path(), "utf8");
  const lines = text.trim().split(/\r\n/);
  const header = lines[0].split(",");
  assert.deepEqual(header.slice(-3), ["probability_leave", "risk_level", "will_leave"]);
  assert.equal(header[0], "employee_id");
  assert.equal(lines.length, 5);
  lines.slice(1).forEach((line, i) => {
    const cells = line.split(",");
    assert.equal(cells[0], expected[i].employee_id);
    assert.equal(Number(cells.at(-3)), expected[i].probability_leave);
    assert.equal(cells.at(-2), expected[i].risk_level);
    assert.equal(cells.at(-1), String(expected[i].will_leave));
  });
  assert.deepEqual(page.problems, []);
});

test("roster: rows with errors are listed by row and field; nothing is scored", async () => {
  const page = await openPlayground();
  page.expectedStatuses.add(422);
  const { csv } = await roster([{ age: 30 }, { age: 200 }, { departement: "Marketingz" }]);
  await page.getByLabel("Roster file (.csv)").setInputFiles({
    name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from(csv, "utf8"),
  });
  await page.locator("#roster-errors li").first().waitFor();
  const errors = await page.locator("#roster-errors li").allTextContents();
  assert.equal(errors.length, 2);
  assert.match(errors[0], /^Row 2 \(E101\), Age in years \(age\): /);
  assert.match(errors[1], /^Row 3 \(E102\), Department \(departement\): /);
  assert.match(await page.locator("#roster-status").textContent(), /3 of 3 rows were not scored/);
  assert.equal(await page.locator("#roster-result").isHidden(), true);
  await screenshot(page, "roster-errors");
  assert.deepEqual(page.problems, []);
});

test("roster: more than one request's worth of rows is scored in chunks, semicolons and decimal commas read", async () => {
  const page = await openPlayground();
  const doc = await (await fetch(`${env.server.url}/openapi.json`)).json();
  const limit = doc.components.schemas.BatchRequest.properties.employees.maxItems;
  const count = limit + 5;
  const { csv } = await roster(Array.from({ length: count }, (_, i) => ({ age: 18 + (i % 50), revenu_mensuel: "2500,5" })));
  const semicolons = csv.split("\r\n").map((l) => l.replace(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/g, ";")).join("\n");
  let batches = 0;
  page.on("request", (r) => { if (r.url().endsWith("/api/v1/predict/batch")) batches += 1; });
  await page.getByLabel("Roster file (.csv)").setInputFiles({
    name: "big.csv", mimeType: "text/csv", buffer: Buffer.from(semicolons, "utf8"),
  });
  await page.locator("#roster-result:not([hidden])").waitFor();
  assert.equal(batches, 2);
  assert.equal(await page.locator("#roster-table tbody tr").count(), count);
  assert.match(await page.locator("#roster-status").textContent(), new RegExp(`^${count} employees scored`));
  await screenshot(page, "roster-chunked");
  assert.deepEqual(page.problems, []);
});

test("roster at phone width: the table scrolls inside its box, not the page", async () => {
  const page = await openPlayground({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
  const { csv } = await roster([{ age: 30 }, { age: 45, heure_supplementaires: "Oui" }]);
  await page.getByLabel("Roster file (.csv)").setInputFiles({
    name: "two.csv", mimeType: "text/csv", buffer: Buffer.from(csv, "utf8"),
  });
  await page.locator("#roster-result:not([hidden])").waitFor();
  const widths = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, view: document.documentElement.clientWidth,
  }));
  assert.ok(widths.scroll <= widths.view, `page is ${widths.scroll} px wide in a ${widths.view} px view`);
  await page.locator("#roster-table").scrollIntoViewIfNeeded();
  await screenshot(page, "roster-phone", { fullPage: false });
  assert.deepEqual(page.problems, []);
});

test("roster: the template download is a valid one-row roster of the API's example", async () => {
  const page = await openPlayground();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download a template" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), "attrition-roster-template.csv");
  const text = await readFile(await download.path(), "utf8");
  const doc = await (await fetch(`${env.server.url}/openapi.json`)).json();
  const header = text.split(/\r\n/)[0].split(",");
  // The required fields, then the optional inputs of the loaded versions (left empty).
  const schema = doc.components.schemas.Employee;
  const optional = Object.keys(schema.properties)
    .filter((n) => n !== "employee_id" && !schema.required.includes(n));
  assert.deepEqual(header, ["employee_id", ...schema.required, ...optional]);
  assert.ok(optional.includes("frequence_deplacement"));
  assert.equal(text.split(/\r\n/)[1].split(",").length, header.length);
  await page.getByLabel("Roster file (.csv)").setInputFiles({
    name: "template.csv", mimeType: "text/csv", buffer: Buffer.from(text, "utf8"),
  });
  await page.locator("#roster-result:not([hidden])").waitFor();
  assert.equal(await page.locator("#roster-table tbody tr td:nth-child(2)").textContent(), "E001");
  await screenshot(page, "roster-template");
  assert.deepEqual(page.problems, []);
});
