// Prediction playground. Every field, its label, its allowed values and its range come from the
// API's own OpenAPI document (generated from the field table the validator uses), so the form
// cannot drift from the API. Validation is the API's: its 422 answers are shown by the fields.
"use strict";

// How the form groups the fields. Only the grouping lives here: a field the schema has and this
// table lacks still appears (under "Other"), and a name here the schema lacks is skipped.
const GROUPS = [
  ["Person", ["employee_id", "age", "genre", "statut_marital", "distance_domicile_travail",
    "niveau_education", "domaine_etude"]],
  ["Job", ["departement", "poste", "revenu_mensuel", "nombre_heures_travailless",
    "heure_supplementaires", "nombre_employee_sous_responsabilite"]],
  ["Career", ["annees_dans_le_poste_actuel", "annees_depuis_la_derniere_promotion",
    "annes_sous_responsable_actuel", "nombre_experiences_precedentes", "nb_formations_suivies",
    "nombre_participation_pee"]],
  ["Satisfaction and evaluations", ["satisfaction_employee_environnement",
    "satisfaction_employee_nature_travail", "satisfaction_employee_equipe",
    "satisfaction_employee_equilibre_pro_perso", "note_evaluation_precedente",
    "note_evaluation_actuelle"]],
];
const HUGE = 2 ** 52;  // bounds beyond this are "no bound" (the schema's 2^53 for plain integers)
const RISK_RANK = { LOW: 0, MEDIUM: 1, HIGH: 2 };

const state = {
  schema: null,      // components.schemas.Employee
  order: [],         // field names in the field table's order
  chunkSize: 100,    // BatchRequest.employees.maxItems
  version: "",       // the model version chosen (X-Model-Version); "": the default
  roster: null,      // { header, rows, results }
  sort: { key: "probability", dir: "descending" },
};

// A field's label: the first sentence of its schema description (a categorical's description goes
// on to list the accepted aliases, which the CSV roster may use).
function label(name) {
  const property = state.schema.properties[name];
  const description = (property && property.description) || name;
  return description.split(/\.\s/)[0];
}

// ---------------------------------------------------------------------------------------------
// The form

function rangeText(property) {
  const parts = [];
  const integer = property.type === "integer";
  const min = property.minimum, max = property.maximum, xmin = property.exclusiveMinimum;
  const hasMin = min !== undefined && Math.abs(min) < HUGE;
  const hasMax = max !== undefined && Math.abs(max) < HUGE;
  if (xmin !== undefined) parts.push(`more than ${xmin}`);
  else if (hasMin && hasMax) parts.push(`${min} to ${max}`);
  else if (hasMin) parts.push(`${min} or more`);
  else if (hasMax) parts.push(`${max} at most`);
  parts.push(integer ? "whole number" : "number");
  return parts.join(", ");
}

function fieldControl(name, property, required) {
  const id = `f-${name}`;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const wrap = el("div", { class: "field", "data-field": name });
  const text = label(name) + (required || /optional/i.test(label(name)) ? "" : " (optional)");
  wrap.append(el("label", { for: id, text }));
  let control;
  let hint;
  if (Array.isArray(property.enum)) {
    control = el("select", { id, name, "aria-describedby": `${hintId} ${errorId}` });
    // An optional input may be left out: the version that takes it imputes it.
    if (!required) control.append(el("option", { value: "", text: "Not given (imputed)" }));
    for (const value of property.enum) control.append(el("option", { value, text: value }));
    hint = `${name}`;
  } else if (property.type === "integer" || property.type === "number") {
    const integer = property.type === "integer";
    const min = property.exclusiveMinimum ?? property.minimum;
    control = el("input", {
      id, name, type: "number", inputmode: integer ? "numeric" : "decimal",
      step: integer ? "1" : "any",
      min: min !== undefined && Math.abs(min) < HUGE ? min : null,
      max: property.maximum !== undefined && Math.abs(property.maximum) < HUGE ? property.maximum : null,
      "aria-describedby": `${hintId} ${errorId}`, "data-kind": property.type,
    });
    hint = `${name} · ${rangeText(property)}`;
  } else {
    control = el("input", {
      id, name, type: "text", maxlength: property.maxLength, autocomplete: "off",
      "aria-describedby": `${hintId} ${errorId}`,
    });
    hint = name;
  }
  if (required) control.setAttribute("aria-required", "true");
  wrap.append(control, el("span", { id: hintId, class: "hint", text: hint }),
    el("span", { id: errorId, class: "field-error" }));
  return wrap;
}

function buildForm() {
  const properties = state.schema.properties;
  const required = new Set(state.schema.required || []);
  const placed = new Set();
  const container = $("fieldsets");
  container.replaceChildren();
  const groups = GROUPS.map(([title, names]) => [title, names.filter((n) => n in properties)]);
  const rest = state.order.concat(Object.keys(properties))
    .filter((n, i, all) => all.indexOf(n) === i && !GROUPS.some(([, ns]) => ns.includes(n)));
  if (rest.length) groups.push(["Other", rest]);
  for (const [title, names] of groups) {
    if (!names.length) continue;
    const fieldset = el("fieldset", {}, el("legend", { text: title }));
    const grid = el("div", { class: "grid" });
    for (const name of names) {
      if (placed.has(name)) continue;
      placed.add(name);
      grid.append(fieldControl(name, properties[name], required.has(name)));
    }
    fieldset.append(grid);
    container.append(fieldset);
  }
  fillExample();
}

function fillExample() {
  const required = new Set(state.schema.required || []);
  for (const [name, property] of Object.entries(state.schema.properties)) {
    const control = $(`f-${name}`);
    if (!control || name === "employee_id") continue;
    if (!required.has(name)) {  // optional inputs start left out
      control.value = "";
      continue;
    }
    const example = Array.isArray(property.examples) ? property.examples[0] : undefined;
    control.value = example === undefined ? "" : String(example);
  }
  clearErrors();
}

function readForm() {
  const body = {};
  for (const [name, property] of Object.entries(state.schema.properties)) {
    const control = $(`f-${name}`);
    if (!control) continue;
    const raw = control.value.trim();
    if (raw === "") continue;  // omitted: the API names it if it is required
    if (property.type === "integer" || property.type === "number") {
      const number = Number(raw);
      body[name] = Number.isFinite(number) ? number : raw;
    } else {
      body[name] = raw;
    }
  }
  return body;
}

function clearErrors() {
  for (const node of document.querySelectorAll("#employee-form .field-error")) node.textContent = "";
  for (const node of document.querySelectorAll("#employee-form [aria-invalid]")) {
    node.removeAttribute("aria-invalid");
  }
  for (const node of document.querySelectorAll("#employee-form .field.invalid")) {
    node.classList.remove("invalid");
  }
  $("form-error").textContent = "";
}

function showErrors(detail) {
  const general = [];
  let first = null;
  for (const issue of Array.isArray(detail) ? detail : [{ msg: String(detail) }]) {
    const loc = issue.loc || [];
    const name = loc[0] === "body" && typeof loc[1] === "string" ? loc[1] : null;
    const control = name && $(`f-${name}`);
    if (!control) {
      general.push(issue.msg);
      continue;
    }
    const error = $(`f-${name}-error`);
    error.textContent = error.textContent ? `${error.textContent} ${issue.msg}` : issue.msg;
    control.setAttribute("aria-invalid", "true");
    control.closest(".field").classList.add("invalid");
    first = first || control;
  }
  const count = Array.isArray(detail) ? detail.length : 1;
  $("form-error").textContent = general.length
    ? general.join(" ")
    : `${count} ${count === 1 ? "field needs" : "fields need"} fixing (see the messages by the fields).`;
  if (first) first.focus();
}

async function postJson(url, body) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (state.version) headers["X-Model-Version"] = state.version;
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
  let json = null;
  try {
    json = await response.json();
  } catch (e) {
    json = { detail: `HTTP ${response.status}` };
  }
  return { status: response.status, ok: response.ok, body: json };
}

function formatProbability(p) {
  return `${p.toFixed(2)} %`;
}

function riskBadge(node, level, words = " risk") {
  node.textContent = `${level}${words}`;
  node.className = `risk risk-${level.toLowerCase()}`;
}

function renderChart(features, employee) {
  const chart = $("chart");
  chart.replaceChildren();
  const scale = Math.max(...features.map((f) => Math.abs(f.shap_value)), 1e-9);
  for (const feature of features) {
    const raises = feature.shap_value > 0;
    const lowers = feature.shap_value < 0;
    const direction = raises ? "raises" : lowers ? "lowers" : "neutral";
    const width = (Math.abs(feature.shap_value) / scale) * 50;
    const value = employee[feature.feature];
    const bar = el("span", { class: `bar ${direction}` });
    bar.style.width = `${width.toFixed(2)}%`;
    const sign = raises ? "+" : "";
    const words = raises ? "raises risk" : lowers ? "lowers risk" : "no effect";
    chart.append(el("li", { class: `bar-row ${direction}`, "data-feature": feature.feature },
      el("span", { class: "bar-label" }, label(feature.feature),
        value === undefined ? "" : el("span", { class: "bar-input", text: ` = ${value}` })),
      el("span", { class: "bar-track", "aria-hidden": "true" }, bar),
      el("span", { class: "bar-value", text: `${sign}${feature.shap_value.toFixed(3)} ${words}` })));
  }
}

// The proposals of POST /api/v1/what-if: each change (its label, the input, from → to; a goal is
// marked as an outcome to work towards) and the risk the model would then predict.
function renderWhatIf(answer) {
  const list = $("what-if");
  list.replaceChildren();
  $("what-if-note").textContent = answer.note;
  if (answer.proposals.length === 0) {
    list.append(el("li", { class: "muted", text: answer.reason }));
    return;
  }
  for (const proposal of answer.proposals) {
    const changes = el("ul", { class: "proposal-changes" });
    for (const change of proposal.changes) {
      changes.append(el("li", { "data-feature": change.feature },
        `${change.label}: ${label(change.feature)} ${change.from} → ${change.to}`,
        change.goal ? el("span", { class: "muted", text: " (an outcome to work towards)" }) : ""));
    }
    const risk = el("span", { class: "risk" });
    riskBadge(risk, proposal.risk_level);
    list.append(el("li", { class: "proposal" }, changes,
      el("p", { class: "proposal-result" },
        el("span", { class: "proposal-probability", text: formatProbability(proposal.probability_leave) }),
        " chance of leaving ", risk)));
  }
}

async function showWhatIf(body, flagged) {
  if (!flagged) {
    $("what-if").replaceChildren(el("li", { class: "muted", text: "Not flagged: nothing to change." }));
    return;
  }
  const answer = await postJson("/api/v1/what-if", body);
  if (answer.ok) renderWhatIf(answer.body);
  else $("what-if").replaceChildren(el("li", { text: `No proposals (HTTP ${answer.status}).` }));
}

async function submitEmployee(event) {
  event.preventDefault();
  clearErrors();
  $("announce").textContent = "";
  const button = $("predict");
  button.disabled = true;
  button.textContent = "Predicting…";
  const body = readForm();
  try {
    const [predict, explain] = await Promise.all([
      postJson("/api/v1/predict", body), postJson("/api/v1/explain", body)]);
    if (!predict.ok) {
      $("result").hidden = true;
      if (predict.status === 422) showErrors(predict.body.detail);
      else $("form-error").textContent = `The API answered ${predict.status}: ${predict.body.detail}`;
      return;
    }
    const p = predict.body.prediction;
    $("probability").textContent = formatProbability(p.probability_leave);
    riskBadge($("risk"), p.risk_level);
    $("verdict").textContent = p.will_leave
      ? "Predicted to leave (probability 50 % or more)."
      : `Predicted to stay (${formatProbability(p.probability_stay)} chance of staying).`;
    const warnings = $("warnings");
    warnings.replaceChildren();
    for (const w of predict.body.metadata.warnings || []) warnings.append(el("li", { text: w }));
    if (explain.ok) renderChart(explain.body.top_features, body);
    else $("chart").replaceChildren(el("li", { text: `No explanation (HTTP ${explain.status}).` }));
    await showWhatIf(body, p.will_leave);
    $("result").hidden = false;
    $("result").dataset.state = "done";
    // The result box appears at once; a status line that is always there tells a screen reader.
    $("announce").textContent = `Result: ${formatProbability(p.probability_leave)} chance of leaving, ${p.risk_level} risk.`;
  } catch (e) {
    $("form-error").textContent = "The API could not be reached.";
  } finally {
    button.disabled = false;
    button.textContent = "Predict risk";
  }
}

// ---------------------------------------------------------------------------------------------
// The roster

// RFC 4180 CSV with a delimiter: quoted fields, doubled quotes, CRLF or LF.
function parseCsv(text, delimiter) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; ++i) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; ++i; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") ++i;
      row.push(field); field = "";
      rows.push(row); row = [];
    } else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows.filter((r) => r.some((f) => f.trim() !== ""));
}

function guessDelimiter(text) {
  const first = text.split(/\r?\n/, 1)[0];
  const count = (ch) => first.split(ch).length - 1;
  return count(";") > count(",") ? ";" : ",";
}

function csvCell(value) {
  const s = value === undefined || value === null ? "" : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function toCsv(rows) {
  return rows.map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

function csvLink(link, rows) {
  if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([toCsv(rows)], { type: "text/csv;charset=utf-8" }));
}

function templateRows() {
  const names = ["employee_id", ...state.order.filter((n) => n !== "employee_id")];
  const required = new Set(state.schema.required || []);
  const example = names.map((n) => {
    if (n === "employee_id") return "E001";
    if (!required.has(n)) return "";  // an optional input's column, left out
    const examples = state.schema.properties[n].examples;
    return Array.isArray(examples) ? examples[0] : "";
  });
  return [names, example];
}

function rosterEmployees(header, rows, delimiter) {
  const properties = state.schema.properties;
  const columns = header.map((h) => {
    const name = h.trim();
    return name in properties ? name
      : Object.keys(properties).find((k) => k.toLowerCase() === name.toLowerCase()) || null;
  });
  const missing = (state.schema.required || []).filter((n) => !columns.includes(n));
  const employees = rows.map((row, i) => {
    const employee = {};
    columns.forEach((name, c) => {
      if (!name) return;
      const raw = (row[c] ?? "").trim();
      if (raw === "") return;
      const type = properties[name].type;
      if (type === "integer" || type === "number") {
        const number = Number(delimiter === ";" ? raw.replace(",", ".") : raw);
        employee[name] = Number.isFinite(number) ? number : raw;
      } else {
        employee[name] = raw;
      }
    });
    if (!employee.employee_id) employee.employee_id = `row-${i + 1}`;
    return employee;
  });
  return { columns, missing, employees };
}

function rosterError(text) {
  $("roster-errors").append(el("li", { text }));
}

async function scoreRoster(file) {
  $("roster-errors").replaceChildren();
  $("roster-result").hidden = true;
  const status = $("roster-status");
  let text = await file.text();
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const delimiter = guessDelimiter(text);
  const table = parseCsv(text, delimiter);
  if (table.length < 2) {
    status.textContent = "The file has no data rows (a header row and at least one employee).";
    return;
  }
  const [header, ...rows] = table;
  const { missing, employees } = rosterEmployees(header, rows, delimiter);
  if (missing.length) {
    status.textContent = `The file lacks ${missing.length} required column(s).`;
    rosterError(`Missing columns: ${missing.join(", ")}. Download the template for the header row.`);
    return;
  }
  const results = new Array(employees.length);
  let failed = 0;
  for (let start = 0; start < employees.length; start += state.chunkSize) {
    status.textContent = `Scoring rows ${start + 1} to ${Math.min(start + state.chunkSize, employees.length)} of ${employees.length}…`;
    const chunk = employees.slice(start, start + state.chunkSize);
    let answer;
    try {
      answer = await postJson("/api/v1/predict/batch", { employees: chunk });
    } catch (e) {
      status.textContent = "The API could not be reached.";
      return;
    }
    if (answer.ok) {
      answer.body.predictions.forEach((p, i) => { results[start + i] = p; });
      continue;
    }
    failed += chunk.length;
    const detail = Array.isArray(answer.body.detail) ? answer.body.detail : [{ msg: answer.body.detail }];
    for (const issue of detail) {
      const loc = issue.loc || [];
      const index = Number(loc[2]);  // the index may come as a number or a string
      if (loc[1] === "employees" && loc[2] !== "" && Number.isInteger(index)) {
        const row = start + index + 1;
        const where = typeof loc[3] === "string" ? `${label(loc[3])} (${loc[3]})` : "row";
        rosterError(`Row ${row} (${employees[row - 1].employee_id}), ${where}: ${issue.msg}`);
      } else {
        rosterError(`Rows ${start + 1}–${start + chunk.length}: ${issue.msg}`);
      }
    }
  }
  if (failed) {
    status.textContent = `${failed} of ${employees.length} rows were not scored: the file has errors (listed below). Fix them and load the file again.`;
    return;
  }
  state.roster = { header, rows, employees, results };
  const counts = { HIGH: 0, MEDIUM: 0, LOW: 0 };
  for (const r of results) counts[r.risk_level] += 1;
  status.textContent = `${employees.length} employees scored: ${counts.HIGH} high, ${counts.MEDIUM} medium, ${counts.LOW} low risk.`;
  csvLink($("roster-download"), [
    [...header, "probability_leave", "risk_level", "will_leave"],
    ...rows.map((r, i) => [...header.map((_, c) => r[c] ?? ""), results[i].probability_leave,
      results[i].risk_level, results[i].will_leave]),
  ]);
  renderRoster();
  $("roster-result").hidden = false;
}

const ROSTER_COLUMNS = [
  { key: "row", title: "Row", value: (i) => i + 1, numeric: true },
  { key: "employee_id", title: "Employee", value: (i, s) => s.results[i].employee_id },
  { key: "role", title: "Department, job title",
    value: (i, s) => `${s.employees[i].departement ?? ""} ${s.employees[i].poste ?? ""}` },
  { key: "probability", title: "Leaving", numeric: true,
    value: (i, s) => s.results[i].probability_leave, show: (v) => formatProbability(v) },
  { key: "risk", title: "Risk", numeric: true,
    value: (i, s) => RISK_RANK[s.results[i].risk_level] * 1000 + s.results[i].probability_leave },
];

function renderRoster() {
  const s = state.roster;
  const headRow = document.querySelector("#roster-table thead tr");
  headRow.replaceChildren();
  for (const column of ROSTER_COLUMNS) {
    const active = state.sort.key === column.key;
    const button = el("button", { type: "button", class: "sort", "data-key": column.key },
      column.title, el("span", { class: "arrow", "aria-hidden": "true",
        text: active ? (state.sort.dir === "ascending" ? " ▲" : " ▼") : " ↕" }));
    button.addEventListener("click", () => {
      state.sort = {
        key: column.key,
        dir: active && state.sort.dir === "descending" ? "ascending"
          : active ? "descending" : column.numeric && column.key !== "row" ? "descending" : "ascending",
      };
      renderRoster();
      document.querySelector(`#roster-table button[data-key="${column.key}"]`).focus();
    });
    headRow.append(el("th", { scope: "col", "aria-sort": active ? state.sort.dir : "none" }, button));
  }
  const column = ROSTER_COLUMNS.find((c) => c.key === state.sort.key);
  const order = s.results.map((_, i) => i);
  const sign = state.sort.dir === "ascending" ? 1 : -1;
  order.sort((a, b) => {
    const x = column.value(a, s), y = column.value(b, s);
    const cmp = column.numeric ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
    return cmp * sign || a - b;
  });
  const body = document.querySelector("#roster-table tbody");
  body.replaceChildren();
  for (const i of order) {
    const r = s.results[i];
    const risk = el("span");
    riskBadge(risk, r.risk_level, "");  // the column says "Risk"
    body.append(el("tr", { "data-risk": r.risk_level },
      el("td", { text: i + 1 }),
      el("td", { text: r.employee_id }),
      el("td", {}, s.employees[i].departement ?? "", el("br"),
        el("span", { class: "muted", text: s.employees[i].poste ?? "" })),
      el("td", { class: "num", text: formatProbability(r.probability_leave) }),
      el("td", {}, risk)));
  }
}

// ---------------------------------------------------------------------------------------------

// The version picker, from GET /api/v1/models: shown when more than one version serves.
async function loadVersions() {
  const { loaded, default: defaultName } = await servedVersions();
  if (loaded.length < 2) return;  // the form scores with the default version
  const select = $("model-version");
  for (const model of loaded) {
    const optional = (model.features_optional || []).map((f) => f.name);
    const text = model.name + (model.state === "default" ? " (default)" : "") +
      (optional.length ? ` — also uses ${optional.join(", ")}` : "");
    select.append(el("option", { value: model.name, text }));
  }
  select.value = defaultName || loaded[0].name;
  state.version = select.value;
  select.addEventListener("change", () => { state.version = select.value; });
  $("version-choice").hidden = false;
}

async function init() {
  const status = $("form-status");
  try {
    const response = await fetch("/openapi.json", { headers: { Accept: "application/json" } });
    const doc = await response.json();
    const schemas = doc.components.schemas;
    state.schema = schemas.Employee;
    state.order = [...(state.schema.required || []), ...Object.keys(state.schema.properties)]
      .filter((n, i, all) => all.indexOf(n) === i);
    const employees = schemas.BatchRequest && schemas.BatchRequest.properties.employees;
    if (employees && Number.isInteger(employees.maxItems)) state.chunkSize = employees.maxItems;
  } catch (e) {
    status.textContent = "Could not load the API schema (/openapi.json): the form is unavailable.";
    status.className = "bad";
    return;
  }
  buildForm();
  await loadVersions();
  $("chunk-size").textContent = String(state.chunkSize);
  csvLink($("template"), templateRows());
  status.textContent = "Every field is prefilled with the API's example employee: change any value and press Predict risk.";
  $("employee-form").hidden = false;
  $("employee-form").addEventListener("submit", submitEmployee);
  $("reset").addEventListener("click", () => { fillExample(); $("result").hidden = true; });
  $("roster-file").addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (file) scoreRoster(file);
  });
}

init();
