// Landing page: live status from /health and the model's CV metrics from /api/v1/model/info.
async function loadJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  return { ok: response.ok, body: await response.json() };
}

function addFact(list, term, value) {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.textContent = value;
  list.append(dt, dd);
}

// The status is live: checked on load, then every 30 seconds (the page itself is cached).
async function refresh() {
  const status = document.getElementById("status");
  // Only a change is written to the live region, so a screen reader hears changes only.
  const show = (text, healthy) => {
    if (status.textContent !== text) status.textContent = text;
    status.className = healthy ? "ok" : "bad";
    status.dataset.state = healthy ? "healthy" : "unhealthy";
    document.getElementById("checked").textContent =
      `checked at ${new Date().toLocaleTimeString()}`;
  };
  try {
    const health = await loadJson("/health");
    const healthy = health.body.status === "healthy";
    show(healthy ? `Healthy — model ${health.body.model_version} loaded`
      : "Unhealthy — no model loaded", healthy);
  } catch (e) {
    show("Unreachable", false);
    return;
  }
  try {
    const info = await loadJson("/api/v1/model/info");
    if (!info.ok) return;
    const model = document.getElementById("model");
    model.replaceChildren();
    addFact(model, "Model version", info.body.model_version);
    addFact(model, "Trained", info.body.training_date);
    const m = info.body.performance_metrics;
    addFact(model, "ROC AUC (5-fold CV)", m.roc_auc.toFixed(3));
    addFact(model, "Accuracy", m.accuracy.toFixed(3));
    addFact(model, "Precision / recall", `${m.precision.toFixed(3)} / ${m.recall.toFixed(3)}`);
    addFact(model, "F1", m.f1_score.toFixed(3));
    const features = info.body.features_required;
    if (features) {
      addFact(model, "Inputs", `${features.numeric.length} numeric, ${features.categorical.length} categorical`);
    }
  } catch (e) {
    // Model info is optional on this page.
  }
}

refresh();
setInterval(refresh, 30000);
