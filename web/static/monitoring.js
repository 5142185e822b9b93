// Monitoring page: the API's monitoring figures (/api/v1/stats, /api/v1/monitoring/drift,
// /performance, /fairness) laid out for the HR analyst and the operator. The page computes no
// figure of its own, so it cannot disagree with the API: it only draws and words what the API
// returned. These endpoints need an API key. It is kept in sessionStorage (this tab only, gone
// when the tab closes; never localStorage or a cookie, which would outlive the tab or travel with
// every request) and sent as the OpenAPI document's bearerAuth scheme.
"use strict";

const KEY_STORAGE = "attrition-api-key";
const SVG_NS = "http://www.w3.org/2000/svg";
const LEVELS = ["LOW", "MEDIUM", "HIGH"];  // stacked bottom to top
const ATTRIBUTES = { genre: "Gender (genre)", statut_marital: "Marital status (statut_marital)",
  age_band: "Age band" };
const NOT_ENOUGH = "not enough outcomes";
// docs/monitoring.md: a live ROC AUC this far below the cross-validated mean calls for a look.
const ROC_AUC_DROP = 0.05;

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  }
  node.append(...children);
  return node;
}

const fixed = (x) => x.toFixed(3);
const orMissing = (x, missing) => (x === null || x === undefined ? missing : fixed(x));
const percent = (x) => `${(x * 100).toFixed(1)} %`;
const problem = (answer) => `The API answered ${answer.status}: ${answer.body.detail}`;

// A table in a box. A table whose columns do not fit the box, even wrapped (phone width, a long
// input name), is shown as one card per row instead: the row's name on top, then each cell beside
// its column's name (site.css, .stacked). Nothing is left past the box's edge to scroll to
// sideways, where the columns out of sight would be easy to miss. The markup stays a table (its
// header row kept for screen readers) and the box still takes the focus, so that a keyboard could
// scroll it if a cell ever had to.
function tableBox(caption, head, rows) {
  for (const row of rows) {
    let column = 0;
    for (const cell of row.cells) {
      if (cell.tagName === "TD") {
        cell.dataset.label = head[column];
        // One wrapper, so that a cell of text and badges is one piece beside its label.
        cell.replaceChildren(el("span", { class: "cell" }, ...cell.childNodes));
      }
      column += cell.colSpan;
    }
  }
  const table = el("table", {},
    el("caption", { text: caption }),
    el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...rows));
  return el("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": caption }, table);
}

// Cards where the columns do not fit: measured as a table, at the box's current width.
function fitTables() {
  for (const box of document.querySelectorAll("#figures .table-wrap")) {
    box.classList.remove("stacked");
    if (box.scrollWidth > box.clientWidth) box.classList.add("stacked");
  }
}

function legend(items, after = "") {
  return el("p", { class: "legend" }, ...items.flatMap(([swatch, text]) => [
    el("span", { class: `swatch ${swatch}`, "aria-hidden": "true" }), ` ${text} `]), after);
}

function badge(kind, value) {
  return el("span", { class: `badge ${kind}-${value}`, text: value });
}

// ---------------------------------------------------------------------------------------------
// Charts: hand-made SVG drawn at the width of their box (so that text keeps its size at phone
// width), drawn again when that width changes.

const charts = new Map();  // box → { draw(width) → <svg>, width }

// A box that gets its width later (laid out after the first draw) is drawn then.
const sized = new ResizeObserver(() => requestAnimationFrame(drawCharts));

function chartBox(name, draw) {
  const box = el("div", { class: "chart-box", "data-chart": name });
  charts.set(box, { draw, width: 0 });
  sized.observe(box);
  return box;
}

function drawCharts() {
  for (const [box, chart] of charts) {
    if (!box.isConnected) {
      charts.delete(box);
      sized.unobserve(box);
      continue;
    }
    // A box not laid out (its section hidden when a frame runs) has no width yet: a chart
    // drawn at 0 would get a negative height (a console error); the observer draws it later.
    const width = box.clientWidth;
    if (width === 0 || width === chart.width) continue;
    chart.width = width;
    box.replaceChildren(chart.draw(width));
  }
}

function chartSvg(width, height, label) {
  return svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": label });
}

function text(x, y, content, attrs = {}) {
  return svg("text", { x, y, ...attrs }, content);
}

// Every date of the stats' window, oldest first (YYYY-MM-DD, UTC).
const windowDates = (stats) => Array.from({ length: stats.days },
  (_, i) => new Date(Date.parse(stats.since) + i * 86400000).toISOString().slice(0, 10));

// The axes of a chart of days: the baseline and the count scale (0 and its top), the first and
// last dates under them.
function dayAxes(node, { width, height, left, right, top }, y, dates, max) {
  node.append(svg("line", { x1: left, x2: width - right, y1: y(0), y2: y(0), class: "axis" }),
    svg("line", { x1: left, x2: left, y1: top, y2: y(0), class: "axis" }),
    text(left - 6, y(0) + 4, "0", { class: "tick", "text-anchor": "end" }),
    text(left - 6, y(max) + 8, String(max), { class: "tick", "text-anchor": "end" }),
    text(left, height - 8, dates[0], { class: "tick" }),
    text(width - right, height - 8, dates[dates.length - 1], { class: "tick", "text-anchor": "end" }));
}
function volumeChart(stats) {
  const dates = windowDates(stats);
  const byDate = new Map(stats.per_day.map((d) => [d.date, d]));
  const max = Math.max(1, ...stats.per_day.map((d) => d.total));
  const busiest = stats.per_day.reduce((a, b) => (b.total > a.total ? b : a));
  const c = stats.by_risk_level;
  const label = `Predictions per day from ${dates[0]} to ${dates[dates.length - 1]}: ` +
    `${stats.total} in all, ${c.HIGH} high, ${c.MEDIUM} medium, ${c.LOW} low risk; ` +
    `most on ${busiest.date} (${busiest.total}). The table below lists every day.`;
  return (width) => {
    const height = 200, left = 40, right = 8, top = 10, bottom = 30;
    const plotWidth = width - left - right, plotHeight = height - top - bottom;
    const band = plotWidth / dates.length;
    const y = (v) => top + plotHeight - (v / max) * plotHeight;
    const node = chartSvg(width, height, label);
    dayAxes(node, { width, height, left, right, top }, y, dates, max);
    dates.forEach((date, i) => {
      const day = byDate.get(date);
      if (!day) return;
      let below = 0;
      for (const level of LEVELS) {
        const count = day.by_risk_level[level];
        if (!count) continue;
        node.append(svg("rect", {
          x: left + i * band + band * 0.1, width: Math.max(1, band * 0.8),
          y: y(below + count), height: y(below) - y(below + count),
          class: `fill-${level.toLowerCase()}`, "data-date": date, "data-level": level,
        }, svg("title", {}, `${date}: ${count} ${level.toLowerCase()} risk`)));
        below += count;
      }
    });
    return node;
  };
}

// One series per model version: a line and, on each day with predictions, a mark. The marks
// differ in shape as well as in colour (WCAG 1.4.1: not colour alone); the colours keep 3:1
// against white. Past four versions the shapes and colours start again.
const SERIES_MARKS = ["circle", "square", "triangle", "diamond"];
function seriesMark(i, cx, cy, attrs = {}) {
  const shape = SERIES_MARKS[i % SERIES_MARKS.length], r = 4.5;
  const common = { class: `mark series-${i % SERIES_MARKS.length}`, "data-shape": shape, ...attrs };
  if (shape === "circle") return svg("circle", { cx, cy, r, ...common });
  if (shape === "square") return svg("rect", { x: cx - r, y: cy - r, width: 2 * r, height: 2 * r, ...common });
  if (shape === "triangle") {
    return svg("path", { d: `M${cx},${cy - r - 1} L${cx + r + 1},${cy + r} L${cx - r - 1},${cy + r} Z`, ...common });
  }
  return svg("path", { d: `M${cx},${cy - r - 1} L${cx + r + 1},${cy} L${cx},${cy + r + 1} L${cx - r - 1},${cy} Z`, ...common });
}

// The legend's key for series i: its mark on a short stretch of its line.
function seriesKey(i, name) {
  const key = svg("svg", { width: 22, height: 12, viewBox: "0 0 22 12", "aria-hidden": "true", class: "series-key" },
    svg("line", { x1: 0, x2: 22, y1: 6, y2: 6, class: `line series-${i % SERIES_MARKS.length}` }),
    seriesMark(i, 11, 6));
  return el("span", { class: "series-item", "data-version": name }, key, ` ${name}`);
}

// versions: the answer's by_model_version, each with its days (per_day[].by_model_version).
function versionChart(stats, versions) {
  const dates = windowDates(stats);
  const counts = versions.map((v) => new Map(stats.per_day.map((d) => [d.date,
    (d.by_model_version.find((x) => x.model_version === v.model_version) || { total: 0 }).total])));
  const max = Math.max(1, ...counts.flatMap((m) => [...m.values()]));
  const label = `Predictions per day and model version from ${dates[0]} to ${dates[dates.length - 1]}: ` +
    versions.map((v) => `${v.model_version} ${v.total}`).join(", ") + ". The table below lists every day.";
  return (width) => {
    const height = 200, left = 40, right = 12, top = 12, bottom = 30;
    const plotWidth = width - left - right, plotHeight = height - top - bottom;
    const band = plotWidth / dates.length;
    const x = (i) => left + (i + 0.5) * band;
    const y = (v) => top + plotHeight - (v / max) * plotHeight;
    const node = chartSvg(width, height, label);
    dayAxes(node, { width, height, left, right, top }, y, dates, max);
    versions.forEach((v, k) => {
      const series = svg("g", { "data-version": v.model_version },
        svg("polyline", { class: `line series-${k % SERIES_MARKS.length}`,
          points: dates.map((date, i) => `${x(i)},${y(counts[k].get(date) || 0)}`).join(" ") }));
      dates.forEach((date, i) => {
        const count = counts[k].get(date) || 0;
        if (!count) return;
        const mark = seriesMark(k, x(i), y(count), { "data-date": date, "data-count": count });
        mark.append(svg("title", {}, `${date}: ${count} by ${v.model_version}`));
        series.append(mark);
      });
      node.append(series);
    });
    return node;
  };
}

// PSI has no upper bound (an input the training data never varied can reach 10): past the
// scale's end a bar is cut, marked and its value written, so that the thresholds stay readable.
const PSI_SCALE_MAX = 1;

// Chart text is 12px in the page's font (site.css): measured on a canvas, so that a layout can
// make room for it before it is drawn (a chart is built detached, then put in its box).
const CHART_FONT_PX = 12, LINE_PX = 15;
const measurer = document.createElement("canvas").getContext("2d");
function textWidth(content, { bold = false } = {}) {
  measurer.font = `${bold ? "700 " : ""}${CHART_FONT_PX}px ${getComputedStyle(document.body).fontFamily}`;
  return measurer.measureText(content).width;
}

// A name broken into lines no wider than `max`: after an underscore, a hyphen or a space where it
// can, anywhere when a piece alone is too wide.
function wrapText(content, max, options) {
  const pieces = content.match(/[^_\s-]*[_\s-]*/g).filter((p) => p);
  const lines = [];
  let line = "";
  for (let piece of pieces) {
    if (textWidth(line + piece, options) <= max) {
      line += piece;
      continue;
    }
    if (line) lines.push(line.trimEnd());
    line = "";
    while (piece.length > 1 && textWidth(piece, options) > max) {
      let cut = piece.length - 1;
      while (cut > 1 && textWidth(piece.slice(0, cut), options) > max) --cut;
      lines.push(piece.slice(0, cut));
      piece = piece.slice(cut);
    }
    line = piece;
  }
  if (line.trim()) lines.push(line.trimEnd());
  return lines;
}

// A text of several lines, the first one's baseline at y.
function lines(x, y, content, attrs) {
  return svg("text", { x, y, ...attrs }, ...content.map((line, i) =>
    svg("tspan", { x, dy: i === 0 ? 0 : LINE_PX }, line)));
}

// No text crosses a line: the threshold and zero lines run through the bars' band only, the
// names stay left of it (wide) or on a line of their own above each bar (narrow), and the values
// sit in a column right of the scale's end. Names too long for their room wrap.
function driftChart(rows, thresholds) {
  const psis = rows.filter((r) => r.psi !== null).map((r) => r.psi);
  const scaleMax = Math.min(PSI_SCALE_MAX, Math.max(thresholds.significant * 1.2, ...psis));
  const named = (level) => rows.filter((r) => r.level === level).map((r) => r.label);
  const significant = named("significant"), moderate = named("moderate");
  const label = `PSI per input and of the prediction against the thresholds ` +
    `${thresholds.moderate} (moderate) and ${thresholds.significant} (significant): ` +
    `${significant.length} significant${significant.length ? ` (${significant.join(", ")})` : ""}, ` +
    `${moderate.length} moderate${moderate.length ? ` (${moderate.join(", ")})` : ""}, ` +
    `${named("stable").length} stable.${psis.some((v) => v > scaleMax) ? ` Bars are cut at ${scaleMax}.` : ""} ` +
    "The table below gives every figure.";
  const valueText = (r) => (r.psi === null ? "no live values" : `${fixed(r.psi)} ${r.level}`);
  const bold = (r) => ({ bold: r.name === "prediction" });
  return (width) => {
    // Wide: the name left of its bar; narrow: above it.
    const wide = width >= 640;
    const labelWidth = wide ? Math.min(300, Math.round(width * 0.35)) : 0;
    const valueWidth = Math.ceil(Math.max(...rows.map((r) => textWidth(valueText(r))))) + 12;
    const top = 38, barHeight = 14, gap = 10;
    const plotWidth = width - labelWidth - valueWidth;
    const x = (v) => labelWidth + (v / scaleMax) * plotWidth;
    const layout = [];
    let rowTop = top;
    for (const r of rows) {
      const name = wrapText(r.label, wide ? labelWidth - 12 : width, bold(r));
      const textHeight = name.length * LINE_PX;
      const rowHeight = wide ? Math.max(barHeight, textHeight) + gap : textHeight + 4 + barHeight + gap;
      const barY = wide ? rowTop + (rowHeight - gap - barHeight) / 2 : rowTop + textHeight + 4;
      const nameY = wide ? rowTop + (rowHeight - gap - textHeight) / 2 + CHART_FONT_PX - 1
        : rowTop + CHART_FONT_PX - 1;
      layout.push({ r, name, barY, nameY });
      rowTop += rowHeight;
    }
    const height = rowTop;
    // The bands the vertical lines run through: the whole plot when wide, each bar when narrow.
    const spans = wide ? [[top - 4, height - gap / 2]]
      : layout.map(({ barY }) => [barY - 3, barY + barHeight + 3]);
    const node = chartSvg(width, height, label);
    const rule = (v, attrs) => spans.map(([y1, y2]) => svg("line", { x1: x(v), x2: x(v), y1, y2, ...attrs }));
    for (const [name, value, baseline] of [["moderate", thresholds.moderate, 14],
      ["significant", thresholds.significant, 30]]) {
      const caption = `${value} ${name}`;
      // Right of its line, or left of it when the chart ends first.
      const right = x(value) + 3 + textWidth(caption) <= width;
      node.append(...rule(value, { class: "threshold", "data-threshold": name }),
        text(right ? x(value) + 3 : x(value) - 3, baseline, caption,
          { class: "tick", "text-anchor": right ? "start" : "end", "data-caption": name }));
    }
    node.append(...rule(0, { class: "axis" }));
    for (const { r, name, barY, nameY } of layout) {
      node.append(lines(wide ? labelWidth - 8 : 0, nameY, name,
        { class: r.name === "prediction" ? "label strong" : "label", "text-anchor": wide ? "end" : "start",
          "data-label": r.name }),
      text(width, barY + barHeight - 3, valueText(r), { class: r.psi === null ? "tick" : "value",
        "text-anchor": "end", "data-value": r.name }));
      if (r.psi === null) continue;
      const cut = r.psi > scaleMax;
      const end = x(Math.min(r.psi, scaleMax));
      node.append(svg("rect", { x: x(0), y: barY, width: Math.max(1, end - x(0)), height: barHeight,
        class: `fill-${r.level}`, "data-name": r.name, "data-cut": cut || null }));
      if (cut) {  // a notch in the bar's end: "goes on"
        node.append(svg("path", { d: `M${end - 8},${barY} l5,${barHeight / 2} l-5,${barHeight / 2}`,
          class: "cut-mark" }));
      }
    }
    return node;
  };
}

function calibrationChart(live, cv) {
  const label = `Calibration: observed rate against mean predicted probability per decile, ` +
    `${live.length} live deciles (circles) and ${cv.length} cross-validation deciles (squares); ` +
    `points on the diagonal are calibrated, above it the model underestimates the risk. ` +
    `The table below gives every point.`;
  return (width) => {
    const size = Math.min(width, 440), left = 48, right = 12, top = 12, bottom = 44;
    const plot = size - left - right;
    const height = top + plot + bottom;
    const sx = (v) => left + v * plot, sy = (v) => top + plot - v * plot;
    const node = chartSvg(size, height, label);
    for (const v of [0, 0.25, 0.5, 0.75, 1]) {
      node.append(svg("line", { x1: sx(0), x2: sx(1), y1: sy(v), y2: sy(v), class: "grid-line" }),
        svg("line", { x1: sx(v), x2: sx(v), y1: sy(0), y2: sy(1), class: "grid-line" }),
        text(left - 6, sy(v) + 4, String(v), { class: "tick", "text-anchor": "end" }),
        text(sx(v), sy(0) + 16, String(v), { class: "tick", "text-anchor": "middle" }));
    }
    node.append(svg("line", { x1: sx(0), y1: sy(0), x2: sx(1), y2: sy(1), class: "diagonal" }),
      text(sx(0.5), height - 4, "mean predicted probability", { class: "tick", "text-anchor": "middle" }),
      text(12, sy(0.5), "observed rate", { class: "tick", "text-anchor": "middle",
        transform: `rotate(-90 12 ${sy(0.5)})` }));
    const line = (points, kind) => svg("polyline", { class: `series-${kind}`,
      points: points.map((p) => `${sx(p.mean_predicted)},${sy(p.observed_rate)}`).join(" ") });
    node.append(line(cv, "cv"), line(live, "live"));
    cv.forEach((p, i) => node.append(svg("rect", { x: sx(p.mean_predicted) - 4, y: sy(p.observed_rate) - 4,
      width: 8, height: 8, class: "point-cv", "data-decile": i + 1 })));
    live.forEach((p) => node.append(svg("circle", { cx: sx(p.mean_predicted), cy: sy(p.observed_rate),
      r: 5, class: "point-live", "data-decile": p.decile })));
    return node;
  };
}

// ---------------------------------------------------------------------------------------------
// Sections

function renderVolume(answer) {
  const box = $("volume");
  if (!answer.ok) {
    box.append(el("p", { class: "bad", text: problem(answer) }));
    return;
  }
  const s = answer.body;
  if (s.total === 0) {
    box.append(el("p", { class: "notice", text: `No predictions in the last ${s.days} days.` }));
    return;
  }
  const c = s.by_risk_level;
  box.append(
    el("p", { text: `${s.total} predictions in the last ${s.days} days, all model versions: ` +
      `${c.HIGH} high, ${c.MEDIUM} medium, ${c.LOW} low risk; mean probability of leaving ` +
      `${percent(s.mean_attrition_prob)}.` }),
    legend([["fill-low", "low"], ["fill-medium", "medium"], ["fill-high", "high"]],
      "risk, stacked from the bottom in that order"),
    chartBox("volume", volumeChart(s)),
    tableBox("Predictions per day (days without predictions left out)",
      ["Date", "Low", "Medium", "High", "Total", "Mean probability"],
      s.per_day.map((d) => el("tr", { "data-date": d.date },
        el("th", { scope: "row", text: d.date }),
        ...LEVELS.map((l) => el("td", { class: "num", text: d.by_risk_level[l] })),
        el("td", { class: "num", text: d.total }),
        el("td", { class: "num", text: percent(d.mean_attrition_prob) })))));
  renderVersions(s);
}

// The same days per model version: the versions that answered (shadow rows are not counted, as
// in the chart above), each a series of its own (by_model_version). Drawn when more than one
// version answered in the window: with one, it would be the chart above again.
function renderVersions(s) {
  if (s.by_model_version.length < 2) return;
  const versions = [...s.by_model_version].sort((a, b) => a.model_version.localeCompare(b.model_version));
  const box = $("volume");
  const per = (d, name) => (d.by_model_version.find((x) => x.model_version === name) || { total: 0 }).total;
  box.append(el("h3", { text: "Predictions per day by model version" }),
    el("p", { text: `${versions.length} versions answered in the window: ` +
      versions.map((v) => `${v.model_version} ${v.total}`).join(", ") + "." }),
    el("p", { class: "legend versions-legend" }, ...versions.map((v, i) => seriesKey(i, v.model_version))),
    chartBox("versions", versionChart(s, versions)),
    tableBox("Predictions per day by model version (days without predictions left out)",
      ["Date", ...versions.map((v) => v.model_version), "Total"],
      s.per_day.map((d) => el("tr", { "data-date": d.date },
        el("th", { scope: "row", text: d.date }),
        ...versions.map((v) => el("td", { class: "num", "data-version": v.model_version, text: per(d, v.model_version) })),
        el("td", { class: "num", text: d.total })))));
}

function renderDrift(answer) {
  const box = $("drift");
  // A 409 (the version was trained before its artifact kept the training distributions) comes
  // with the API's advice, shown as it is.
  if (!answer.ok) {
    box.append(el("p", { class: "bad", text: problem(answer) }));
    return;
  }
  const d = answer.body;
  box.append(el("p", { text: `${d.rows} predictions of ${d.model_version} since ` +
    `${d.since.slice(0, 10)} (${d.days} days), ${d.sampled_rows} compared with the training data. ` +
    `Population stability index (PSI): stable below ${d.thresholds.moderate}, moderate from ` +
    `${d.thresholds.moderate}, significant from ${d.thresholds.significant}.` }));
  if (d.rows === 0) {
    box.append(el("p", { class: "notice", text: "No predictions of this version in the window: nothing to compare yet." }));
    return;
  }
  const rows = [...(d.prediction ? [{ ...d.prediction, label: "prediction (the score)" }] : []),
    ...d.features.map((f) => ({ ...f, label: f.name }))];
  box.append(
    legend([["fill-stable", "stable"], ["fill-moderate", "moderate"], ["fill-significant", "significant"]]),
    chartBox("drift", driftChart(rows, d.thresholds)),
    tableBox("PSI and KS per input and of the prediction",
      ["Input", "Kind", "Live values", "PSI", "Level", "KS"],
      rows.map((r) => el("tr", { "data-name": r.name },
        el("th", { scope: "row", text: r.label }),
        el("td", { text: r.kind }),
        el("td", { class: "num", text: r.n }),
        el("td", { class: "num psi", text: orMissing(r.psi, "no live values") }),
        el("td", { class: "level" }, r.level ? badge("level", r.level) : "–"),
        el("td", { class: "num ks", text: orMissing(r.ks, r.kind === "categorical" ? "–" : "no live values") })))));
  // What moved: each input's bin or value that weighs most in its PSI, largest first.
  const binLabel = (r, b) => (r.kind === "categorical" ? b.value
    : b.lower === null ? `below ${b.upper}` : b.upper === null ? `${b.lower} and above` : `${b.lower} to ${b.upper}`);
  const movers = rows.filter((r) => r.n > 0 && r.bins.length)
    .map((r) => ({ r, b: r.bins[0] }))
    .sort((x, y) => y.b.contribution - x.b.contribution).slice(0, 5);
  box.append(el("p", { text: `Top movers: the bin or value of each input whose share moved most. ` +
    `A PSI under its chance bound (${d.chance_bound_method}) is what a window of this size shows ` +
    `by chance.` }),
  tableBox("Top movers: the share that moved most, per input",
    ["Input", "Values", "Training share", "Live share", "Part of the PSI", "Beyond chance"],
    movers.map(({ r, b }) => el("tr", { "data-mover": r.name },
      el("th", { scope: "row", text: r.label }),
      el("td", { class: "bin", text: binLabel(r, b) }),
      el("td", { class: "num", text: percent(b.training_share) }),
      el("td", { class: "num", text: percent(b.live_share) }),
      el("td", { class: "num contribution", text: fixed(b.contribution) }),
      el("td", { class: "chance", text: r.beyond_chance ? "yes" : `no (chance reaches ${fixed(r.chance_bound)})` })))));
}

const METRICS = [["ROC AUC", "roc_auc"], ["PR AUC", "pr_auc"], ["Precision", "precision"],
  ["Recall", "recall"], ["F1", "f1_score"], ["Brier score", "brier"]];

function renderPerformance(answer) {
  const box = $("performance");
  if (!answer.ok) {
    box.append(el("p", { class: "bad", text: problem(answer) }));
    return;
  }
  const p = answer.body;
  const cv = p.cross_validation;
  const facts = el("dl", { class: "facts" });
  for (const [term, value] of [["Resolved predictions", p.resolved], ["Unresolved", p.unresolved],
    [`Not yet due (made less than ${p.horizon_days} days before ${p.as_of})`, p.not_yet_due],
    ["Early departures (not yet due, already left: not judged)", p.early_departures],
    [`Positives (left within ${p.horizon_days} days)`, p.positives],
    ["Decision threshold (will_leave)", p.decision_threshold]]) {
    facts.append(el("dt", { text: term }), el("dd", { text: value }));
  }
  box.append(el("p", { text: `Predictions of ${p.model_version} against the outcomes reported ` +
    `since, judged only once due: a prediction is judged ${p.horizon_days} days after it is made, ` +
    `so that early leavers are not counted before anyone can be seen to stay. A figure needs ` +
    `${p.min_per_class} judged leavers and ${p.min_per_class} judged stayers; intervals are 95 %.` }),
    facts);
  if (p.resolved === 0) {
    box.append(el("p", { class: "notice", text: `Not enough outcomes yet: no prediction is resolved. ` +
      `One is when, ${p.horizon_days} days after it, the employee is reported to have left within ` +
      `those days, or to be still employed.` }));
  }
  const est = p.estimated;
  box.append(el("p", { text: `Estimated: what the probabilities of all ${est.n} predictions in the ` +
    `window expect, due or not, before any outcome arrives (through the version's ` +
    `${est.calibration} calibration map; ${est.expected_positives === null ? "no" :
      est.expected_positives.toFixed(1)} leavers expected). It holds while the probabilities stay ` +
    `calibrated: not when the relation between inputs and leaving, or the share of leavers, changes.` }));
  box.append(tableBox(`Live figures, realized and estimated, beside the ${cv ? `${cv.folds}-fold ` : ""}cross-validation at training`,
    ["Metric", "Realized (judged when due)", "Estimated (all predictions)", "Cross-validation (mean ± std)"],
    METRICS.map(([name, key]) => {
      const value = p.resolved === 0 ? null : p[key];
      const figure = p.realized[key];
      const shown = value === null ? NOT_ENOUGH : fixed(value) +
        (figure.interval ? ` (${fixed(figure.interval[0])}–${fixed(figure.interval[1])})` : "") +
        `, n = ${figure.n}`;
      const live = el("td", { class: "num live", text: shown });
      if (figure.reason) live.dataset.reason = figure.reason;
      if (key === "roc_auc" && value !== null && cv && value < cv.roc_auc.mean - ROC_AUC_DROP) {
        live.append(" ", el("span", { class: "badge flag-bad", text: `more than ${ROC_AUC_DROP} below cross-validation` }));
      }
      const reference = cv && cv[key] ? `${fixed(cv[key].mean)} ± ${fixed(cv[key].std)}` : "not measured at training";
      const guess = est.figures[key];
      const estimated = el("td", { class: "num estimated", text: !guess ? "not estimated" :
        guess.value === null ? "not enough predictions" : fixed(guess.value) +
          (guess.interval ? ` (${fixed(guess.interval[0])}–${fixed(guess.interval[1])})` : "") +
          `, n = ${guess.n}` });
      if (guess && guess.reason) estimated.dataset.reason = guess.reason;
      return el("tr", { "data-metric": key }, el("th", { scope: "row", text: name }), live,
        estimated, el("td", { class: "num cv", text: reference }));
    })));
}

// The last `count` weeks, Monday 00:00 UTC to the next Monday, newest first.
function lastWeeks(count = 8) {
  const now = new Date();
  const monday = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(),
    now.getUTCDate() - (now.getUTCDay() + 6) % 7);
  const week = 7 * 86400000;
  const iso = (t) => new Date(t).toISOString().replace(".000Z", "Z");
  return Array.from({ length: count }, (_, i) => ({ since: iso(monday - i * week), until: iso(monday - (i - 1) * week) }));
}

// Week by week: what the probabilities expect, beside what the outcomes say once due.
function renderWeeks(weeks, answers) {
  const box = $("performance");
  const shown = (figure, value) => (value === null ? (figure.reason === "no_predictions" ? "no predictions" : NOT_ENOUGH)
    : `${fixed(value)}${figure.interval ? ` (${fixed(figure.interval[0])}–${fixed(figure.interval[1])})` : ""}`);
  box.append(el("h3", { text: "Week by week" }),
    el("p", { text: "Each week's predictions: the ROC AUC their probabilities expect, and the realized one once they are due and their outcomes reported." }),
    tableBox("Week by week: estimated and realized ROC AUC",
      ["Week from (UTC)", "Predictions", "Expected leavers", "Estimated ROC AUC", "Realized ROC AUC"],
      weeks.map((w, i) => {
        const a = answers[i];
        const cells = !a.ok ? [el("td", { class: "bad", colspan: 4, text: problem(a) })] : [
          el("td", { class: "num", text: a.body.estimated.n }),
          el("td", { class: "num", text: a.body.estimated.expected_positives === null ? "–" : a.body.estimated.expected_positives.toFixed(1) }),
          el("td", { class: "num estimated", text: shown(a.body.estimated.figures.roc_auc, a.body.estimated.roc_auc) }),
          el("td", { class: "num realized", text: shown(a.body.realized.roc_auc, a.body.roc_auc) })];
        return el("tr", { "data-week": w.since.slice(0, 10) }, el("th", { scope: "row", text: w.since.slice(0, 10) }), ...cells);
      })));
}

function renderCalibration(answer) {
  const box = $("calibration");
  if (!answer.ok) {
    box.append(el("p", { class: "bad", text: problem(answer) }));
    return;
  }
  const live = answer.body.calibration;
  const cv = answer.body.cross_validation ? answer.body.cross_validation.calibration : [];
  box.append(el("p", { text: "The resolved predictions by increasing probability, in ten groups " +
    "of equal size: the mean predicted probability against the share that left. On the diagonal " +
    "the model is calibrated; above it, it underestimates the risk." }));
  if (!live.length) {
    box.append(el("p", { class: "notice", text: `Not enough outcomes yet for live points: only the cross-validation deciles are drawn.` }));
  }
  const row = (p) => (p ? [fixed(p.mean_predicted), fixed(p.observed_rate), p.n] : ["–", "–", "–"]);
  box.append(
    legend([["point-live", "live"], ["point-cv", "cross-validation (out-of-fold)"], ["diagonal", "calibrated"]]),
    chartBox("calibration", calibrationChart(live, cv)),
    tableBox("Calibration per decile: mean predicted probability, observed rate, predictions",
      ["Decile", "Live predicted", "Live observed", "Live n", "CV predicted", "CV observed", "CV n"],
      Array.from({ length: Math.max(live.length, cv.length) }, (_, i) => el("tr", { "data-decile": i + 1 },
        el("th", { scope: "row", text: i + 1 }),
        ...[...row(live[i]), ...row(cv[i])].map((v) => el("td", { class: "num", text: v }))))));
}

// A rate is null when its group has nothing to divide by (no outcomes, no leavers, none flagged);
// a rate with an interval (95 %, Wilson) shows it.
const showCount = (v) => String(v);
const showRate = (v, interval) => (v === null ? "n/a"
  : fixed(v) + (interval ? ` (${fixed(interval[0])}–${fixed(interval[1])})` : ""));
const GROUP_COLUMNS = [["n", "n", showCount], ["Selection rate", "selection_rate", showRate],
  ["Mean predicted", "mean_predicted", showRate], ["Resolved", "resolved", showCount],
  ["Observed rate", "observed_rate", showRate], ["TPR", "tpr", showRate], ["FPR", "fpr", showRate],
  ["Precision", "precision", showRate]];

// `trained`: the same attribute at training, shown beside a live ratio (a ratio already under
// four-fifths at training is a known property of the version, not a new event).
function fairnessAttribute(a, scope, fourFifths, trained) {
  const title = ATTRIBUTES[a.attribute] || a.attribute;
  const ratio = a.selection_rate_ratio;
  const flag = ratio === null ? null : a.below_four_fifths
    ? el("span", { class: "badge flag-bad", text: "below four-fifths" })
    : el("span", { class: "badge flag-ok", text: `${fourFifths} or above` });
  const missing = a.groups.some((g) => GROUP_COLUMNS.some(([, key]) => g[key] === null));
  return el("div", { class: "fairness", "data-scope": scope, "data-attribute": a.attribute },
    el("h4", { text: title }),
    el("p", {}, "Selection-rate ratio ",
      el("strong", { class: "ratio", text: orMissing(ratio, "none: nobody is flagged") }), " ",
      ...(flag ? [flag] : []),
      ...(trained ? [" · at training ", el("strong", { class: "training-ratio",
        text: orMissing(trained.selection_rate_ratio, "none") }),
      ...(trained.below_four_fifths ? [" ", el("span", { class: "badge", text: "already below at training: known" })] : [])] : []),
      " · TPR difference ",
      el("strong", { class: "tpr-difference", text: orMissing(a.tpr_difference, NOT_ENOUGH) })),
    ...(missing ? [el("p", { class: "muted", text: `n/a: nothing to divide by in the group (${NOT_ENOUGH}, or nobody flagged).` })] : []),
    tableBox(`${title}, ${scope}: per group`, ["Group", ...GROUP_COLUMNS.map(([h]) => h)],
      a.groups.map((g) => el("tr", { "data-group": g.group },
        el("th", { scope: "row", text: g.group }),
        ...GROUP_COLUMNS.map(([, key, show]) => el("td", { class: `num ${key}`,
          text: show(g[key], (g.intervals || {})[key]) }))))));
}

function renderFairness(answer) {
  const box = $("fairness");
  if (!answer.ok) {
    box.append(el("p", { class: "bad", text: problem(answer) }));
    return;
  }
  const f = answer.body;
  box.append(el("p", { text: `The model's decisions (flagged: probability ≥ ${f.decision_threshold}) ` +
    `across groups of employees. A selection-rate ratio (lowest group's rate over the highest's) ` +
    `under ${f.four_fifths} is flagged "below four-fifths": look at whether the observed rates ` +
    `differ as much. Small groups give unstable rates: each rate carries its 95 % interval in ` +
    `brackets. A flag is a reason to look, not a verdict.` }),
  el("h3", { text: `Live: predictions of ${f.model_version}, outcomes within ${f.horizon_days} days` }));
  if (!f.live.length) box.append(el("p", { class: "notice", text: "No predictions of this version yet." }));
  for (const a of f.live) {
    const trained = (f.training || []).find((t) => t.attribute === a.attribute);
    box.append(fairnessAttribute(a, "live", f.four_fifths, trained));
  }
  box.append(el("h3", { text: "At training: the out-of-fold predictions of cross-validation" }));
  if (!f.training) box.append(el("p", { class: "notice", text: "The version's artifact holds no training table." }));
  for (const a of f.training || []) box.append(fairnessAttribute(a, "training", f.four_fifths));
}

// ---------------------------------------------------------------------------------------------

const SECTIONS = ["volume", "drift", "performance", "calibration", "fairness"];

function clearFigures() {
  for (const id of SECTIONS) $(id).replaceChildren();
  $("figures").hidden = true;
}

async function getJson(path, params, key) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "")).toString();
  const response = await fetch(query ? `${path}?${query}` : path,
    { headers: { Accept: "application/json", Authorization: `Bearer ${key}` } });
  let body;
  try {
    body = await response.json();
  } catch (e) {
    body = { detail: `HTTP ${response.status}` };
  }
  return { status: response.status, ok: response.ok, body };
}

async function showFigures() {
  const key = $("api-key").value.trim();
  const version = $("model-version").value;
  const days = $("days").value, horizon = $("horizon").value;
  const status = $("status"), error = $("error"), button = $("show");
  error.textContent = "";
  status.textContent = "Loading the figures…";
  status.dataset.state = "loading";
  button.disabled = true;
  let answers;
  let weekly;
  const weeks = lastWeeks();
  try {
    answers = await Promise.all([
      getJson("/api/v1/stats", { days }, key),
      getJson("/api/v1/monitoring/drift", { model_version: version, days }, key),
      getJson("/api/v1/monitoring/performance", { model_version: version, horizon_days: horizon }, key),
      getJson("/api/v1/monitoring/fairness", { model_version: version, horizon_days: horizon }, key),
    ]);
    weekly = await Promise.all(weeks.map((w) => getJson("/api/v1/monitoring/performance",
      { model_version: version, horizon_days: horizon, since: w.since, until: w.until }, key)));
  } catch (e) {
    clearFigures();
    status.textContent = "";
    status.dataset.state = "unreachable";
    error.textContent = "The API could not be reached.";
    return;
  } finally {
    button.disabled = false;
  }
  clearFigures();
  const refused = answers.find((a) => a.status === 401 || a.status === 403);
  if (refused) {
    sessionStorage.removeItem(KEY_STORAGE);  // a refused key is not kept
    status.textContent = "";
    status.dataset.state = "refused";
    error.textContent = `The API refused the key (${refused.status}: ${refused.body.detail}). ` +
      "Check it and try again; no figure is shown without a valid key.";
    $("api-key").focus();
    return;
  }
  sessionStorage.setItem(KEY_STORAGE, key);
  const [stats, drift, performance, fairness] = answers;
  renderVolume(stats);
  renderDrift(drift);
  renderPerformance(performance);
  if (performance.ok) renderWeeks(weeks, weekly);
  renderCalibration(performance);
  renderFairness(fairness);
  $("figures").hidden = false;
  fitTables();   // now that the boxes have a width
  drawCharts();
  status.textContent = `Figures for ${performance.ok ? performance.body.model_version : "the version"}, ` +
    `loaded at ${new Date().toLocaleTimeString()}.`;
  status.dataset.state = "loaded";
}

function forgetKey() {
  sessionStorage.removeItem(KEY_STORAGE);
  $("api-key").value = "";
  clearFigures();
  $("error").textContent = "";
  $("status").textContent = "The key is forgotten: type it again to see the figures.";
  $("status").dataset.state = "forgotten";
  $("api-key").focus();
}

// The version picker, from GET /api/v1/models (no key needed): the default chosen.
async function loadVersions() {
  const { loaded: served, default: defaultName } = await servedVersions();
  if (!served.length) return;  // "The default version" stays the only choice
  const select = $("model-version");
  select.replaceChildren(...served.map((m) => el("option", { value: m.name,
    text: m.name + (m.state === "default" || m.state === "shadow" ? ` (${m.state})` : "") })));
  select.value = defaultName || served[0].name;
}

async function init() {
  $("settings").addEventListener("submit", (event) => {
    event.preventDefault();
    showFigures();
  });
  $("forget").addEventListener("click", forgetKey);
  window.addEventListener("resize", () => requestAnimationFrame(() => {
    fitTables();
    drawCharts();
  }));
  await loadVersions();
  const saved = sessionStorage.getItem(KEY_STORAGE);
  if (saved) {
    $("api-key").value = saved;
    await showFigures();
  }
}

init();
