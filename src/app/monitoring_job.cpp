#include "app/monitoring_job.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cmath>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>

#include "model/repository.hpp"
#include "monitoring/estimated.hpp"
#include "monitoring/evaluation.hpp"
#include "monitoring/realized.hpp"
#include "ops/logging.hpp"
#include "store/monitoring.hpp"

namespace attrition::app {
namespace {

struct FamilySpec {
    const char* name;
    const char* help;
    std::vector<std::string> labels;
};

// Every figure the job exports, in exposition order.
const std::array<FamilySpec, 17>& Families() {
    static const std::array<FamilySpec, 17> families{{
        {"attrition_feature_psi",
         "PSI of an input over the drift window against its training distribution (daily job)",
         {"model_version", "feature"}},
        {"attrition_feature_psi_chance_bound",
         "PSI that sampling alone reaches in 95 % of drift windows of this size (the input's "
         "PSI is significant above it and from 0.25)",
         {"model_version", "feature"}},
        {"attrition_prediction_psi",
         "PSI of the predicted probability over the drift window against the out-of-fold scores",
         {"model_version"}},
        {"attrition_prediction_psi_chance_bound",
         "PSI of the predicted probability that sampling alone reaches in 95 % of windows of "
         "this size",
         {"model_version"}},
        {"attrition_drift_window_predictions",
         "Logged predictions in the drift window (the PSI's population)",
         {"model_version"}},
        {"attrition_live_roc_auc",
         "ROC AUC of the logged predictions that reported outcomes resolve (daily job)",
         {"model_version"}},
        {"attrition_live_pr_auc",
         "PR AUC (average precision) of the resolved predictions",
         {"model_version"}},
        {"attrition_live_brier", "Brier score of the resolved predictions", {"model_version"}},
        {"attrition_estimated_roc_auc",
         "ROC AUC the probabilities of the drift window's predictions expect (CBPE through the "
         "version's calibration map; no outcome needed)",
         {"model_version"}},
        {"attrition_estimated_roc_auc_upper",
         "Upper end of the estimated ROC AUC's 95 % sampling interval",
         {"model_version"}},
        {"attrition_cv_roc_auc",
         "Cross-validated ROC AUC of the version (its artifact)",
         {"model_version"}},
        {"attrition_live_labelled_predictions",
         "Logged predictions by what the outcomes say: left or stayed within the horizon, or "
         "unresolved",
         {"model_version", "outcome"}},
        {"attrition_fairness_selection_rate_ratio",
         "Lowest selection-rate ratio between groups of an attribute (four-fifths rule: 0.8)",
         {"model_version", "attribute"}},
        {"attrition_fairness_selection_rate_ratio_upper",
         "Upper end of the live selection-rate ratio's 95 % interval (Katz)",
         {"model_version", "attribute"}},
        {"attrition_fairness_smallest_group",
         "Predictions in the smaller of the two groups the live ratio compares",
         {"model_version", "attribute"}},
        {"attrition_fairness_training_selection_rate_ratio",
         "Selection-rate ratio of the version at training (out-of-fold predictions)",
         {"model_version", "attribute"}},
        {"attrition_fairness_tpr_difference",
         "Largest true-positive-rate difference between groups of an attribute (resolved "
         "predictions)",
         {"model_version", "attribute"}},
    }};
    return families;
}

void Add(std::vector<GaugeFigure>& figures,
         std::string metric,
         std::vector<std::string> labels,
         double value) {
    if (std::isnan(value)) return;
    figures.push_back({std::move(metric), std::move(labels), value});
}

// The drift figures of the recent window: PSI and its chance bound per input and for the score.
base::Result<void> AddDriftFigures(store::Database& database,
                                   const model::ModelMetadata& meta,
                                   const store::DriftQuery& window,
                                   std::vector<GaugeFigure>& figures) {
    const std::string& version = meta.model_version;
    auto sample = store::ReadDriftSample(database, window);
    if (!sample) return tl::unexpected(sample.error());
    Add(figures, "attrition_drift_window_predictions", {version},
        static_cast<double>(sample->window_rows));
    const auto drift = monitoring::CompareDrift(meta, std::move(*sample));
    for (const auto& feature : drift.features) {
        if (feature.n == 0) continue;
        Add(figures, "attrition_feature_psi", {version, feature.name}, feature.psi);
        Add(figures, "attrition_feature_psi_chance_bound", {version, feature.name},
            feature.chance_bound);
    }
    if (drift.prediction && drift.prediction->n > 0) {
        Add(figures, "attrition_prediction_psi", {version}, drift.prediction->psi);
        Add(figures, "attrition_prediction_psi_chance_bound", {version},
            drift.prediction->chance_bound);
    }
    return {};
}

// The live fairness figures: TPR differences, selection-rate ratios against the training ones.
base::Result<void> AddFairnessFigures(store::Database& database,
                                      const model::ModelMetadata& meta,
                                      const store::PerformanceQuery& query,
                                      std::vector<GaugeFigure>& figures) {
    const std::string& version = meta.model_version;
    auto groups = store::ReadFairnessGroups(database, query);
    if (!groups) return tl::unexpected(groups.error());
    const auto table = monitoring::LiveFairness(std::move(*groups));
    for (const auto& attribute : table) {
        if (attribute.tpr_difference) {
            Add(figures, "attrition_fairness_tpr_difference", {version, attribute.attribute},
                *attribute.tpr_difference);
        }
    }
    for (const auto& check : monitoring::CheckRatios(table, meta.fairness)) {
        Add(figures, "attrition_fairness_selection_rate_ratio", {version, check.attribute},
            check.ratio);
        Add(figures, "attrition_fairness_selection_rate_ratio_upper", {version, check.attribute},
            check.interval.second);
        Add(figures, "attrition_fairness_smallest_group", {version, check.attribute},
            static_cast<double>(check.smallest_group));
        if (check.training_ratio) {
            Add(figures, "attrition_fairness_training_selection_rate_ratio",
                {version, check.attribute}, *check.training_ratio);
        }
    }
    return {};
}

base::Result<void> EvaluateVersion(store::Database& database,
                                   const model::ModelMetadata& meta,
                                   base::SystemTime now,
                                   const MonitoringSettings& settings,
                                   std::vector<GaugeFigure>& figures) {
    const std::string& version = meta.model_version;
    const auto query =
        monitoring::LabelledQuery(meta, {.horizon_days = settings.horizon_days}, now);
    auto live = store::ReadLivePerformance(database, query);
    if (!live) return tl::unexpected(live.error());
    // Only what the mature predictions support: an absent figure has no series.
    const auto realized = monitoring::Judge(*live);
    const auto add_figure = [&](const char* metric, const monitoring::Figure& figure) {
        if (figure.value) Add(figures, metric, {version}, *figure.value);
    };
    add_figure("attrition_live_roc_auc", realized.roc_auc);
    add_figure("attrition_live_pr_auc", realized.pr_auc);
    add_figure("attrition_live_brier", realized.brier);
    Add(figures, "attrition_live_labelled_predictions", {version, "left"},
        static_cast<double>(live->positives));
    Add(figures, "attrition_live_labelled_predictions", {version, "stayed"},
        static_cast<double>(live->Negatives()));
    Add(figures, "attrition_live_labelled_predictions", {version, "unresolved"},
        static_cast<double>(live->unresolved));
    if (meta.cross_validation) {
        Add(figures, "attrition_cv_roc_auc", {version},
            meta.cross_validation->metrics.roc_auc.mean);
    }

    // The estimate over the recent window (the drift window's days): what the newest
    // predictions expect, long before they are due.
    const auto window = monitoring::DriftWindow(meta, settings.drift_days, now);
    auto bins = store::ReadScoreBins(
        database, monitoring::EstimateQuery(meta, {.since = window.since, .until = window.until}));
    if (!bins) return tl::unexpected(bins.error());
    const auto estimated = monitoring::Estimate(*bins, meta.calibrator);
    if (estimated.roc_auc.value && estimated.roc_auc.interval) {
        Add(figures, "attrition_estimated_roc_auc", {version}, *estimated.roc_auc.value);
        Add(figures, "attrition_estimated_roc_auc_upper", {version},
            estimated.roc_auc.interval->second);
    }

    if (meta.distributions) {
        if (auto ok = AddDriftFigures(database, meta, window, figures); !ok) return ok;
    }
    return AddFairnessFigures(database, meta, query, figures);
}

}  // namespace

base::Result<std::vector<GaugeFigure>> EvaluateModels(store::Database& database,
                                                      const model::Repository& models,
                                                      base::SystemTime now,
                                                      const MonitoringSettings& settings) {
    std::vector<GaugeFigure> figures;
    for (const auto* model : {models.Default(), models.Shadow()}) {
        if (model == nullptr) continue;
        auto done = EvaluateVersion(database, model->predictor.Metadata(), now, settings, figures);
        if (!done) return tl::unexpected(done.error());
    }
    return figures;
}

std::string FiguresToJson(std::span<const GaugeFigure> figures) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& figure : figures) {
        list.push_back(
            {{"metric", figure.metric}, {"labels", figure.labels}, {"value", figure.value}});
    }
    return nlohmann::json{{"figures", std::move(list)}}.dump();
}

base::Result<std::vector<GaugeFigure>> FiguresFromJson(std::string_view json) {
    const auto parsed = nlohmann::json::parse(json, nullptr, false);
    const auto fail = [] {
        return base::Fail(base::ErrorCode::kInternal, "job_runs.result: not the figures' JSON");
    };
    if (!parsed.is_object() || !parsed.contains("figures") || !parsed["figures"].is_array()) {
        return fail();
    }
    std::vector<GaugeFigure> figures;
    for (const auto& item : parsed["figures"]) {
        if (!item.is_object() || !item.contains("metric") || !item["metric"].is_string() ||
            !item.contains("labels") || !item["labels"].is_array() || !item.contains("value") ||
            !item["value"].is_number()) {
            return fail();
        }
        GaugeFigure figure{item["metric"].get<std::string>(), {}, item["value"].get<double>()};
        for (const auto& label : item["labels"]) {
            if (!label.is_string()) return fail();
            figure.labels.push_back(label.get<std::string>());
        }
        figures.push_back(std::move(figure));
    }
    return figures;
}

MonitoringGauges::MonitoringGauges(ops::Registry& registry)
    : last_run_(registry
                    .AddGauge("attrition_monitoring_last_run_timestamp_seconds",
                              "When the monitoring job last finished (Unix time), success or not")
                    .With({})),
      last_success_(registry
                        .AddGauge("attrition_monitoring_last_success_timestamp_seconds",
                                  "When the monitoring job last succeeded (Unix time): the "
                                  "model-health gauges are of that run")
                        .With({})) {
    for (const auto& spec : Families()) {
        families_.push_back(&registry.AddGauge(spec.name, spec.help, spec.labels));
    }
}

void MonitoringGauges::Export(std::span<const GaugeFigure> figures) {
    std::map<std::string, std::map<ops::LabelValues, std::unique_ptr<ops::Gauge>>> children;
    for (const auto& figure : figures) {
        auto gauge = std::make_unique<ops::Gauge>();
        gauge->Set(figure.value);
        children[figure.metric][figure.labels] = std::move(gauge);
    }
    const std::lock_guard lock(mutex_);
    for (auto* family : families_) {
        auto found = children.find(family->Name());
        std::map<ops::LabelValues, std::unique_ptr<ops::Gauge>> series;
        if (found != children.end()) {
            for (auto& [labels, gauge] : found->second) {
                if (labels.size() == family->LabelNames().size()) series[labels] = std::move(gauge);
            }
        }
        family->Replace(std::move(series));
    }
}

void MonitoringGauges::ExportHistory(const store::JobHistory& history) {
    const auto seconds = [](base::SystemTime time) {
        return std::chrono::duration<double>(time.time_since_epoch()).count();
    };
    if (history.last_run) last_run_.Set(seconds(history.last_run->finished_at));
    if (history.last_success) last_success_.Set(seconds(history.last_success->finished_at));
}

MonitoringJob::MonitoringJob(store::Database& database,
                             const model::Catalog& models,
                             const base::Clock& clock,
                             MonitoringGauges& gauges,
                             MonitoringSettings settings,
                             std::string owner)
    : database_(database),
      models_(models),
      clock_(clock),
      gauges_(gauges),
      settings_(settings),
      owner_(std::move(owner)) {}

bool MonitoringJob::Claim(const store::JobClaim& claim) {
    const auto now = clock_.Now();
    auto claimed = store::ClaimJobRun(database_, claim, now, now - settings_.stale_claim);
    if (!claimed) {
        spdlog::error("msg=\"monitoring claim failed\" slot={} reason={}",
                      base::FormatIso8601(claim.slot), ops::LogValue(claimed.error().message));
        return false;
    }
    return *claimed;
}

bool MonitoringJob::Evaluate(const store::JobClaim& claim) {
    const auto started = std::chrono::steady_clock::now();
    const auto models = models_.Current();
    auto figures = EvaluateModels(database_, *models, clock_.Now(), settings_);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto slot = base::FormatIso8601(claim.slot);
    if (!figures) {
        spdlog::error("msg=\"monitoring run failed\" slot={} duration_s={:.3f} reason={}", slot,
                      seconds, ops::LogValue(figures.error().message));
    } else if (figures->empty()) {
        spdlog::warn("msg=\"monitoring run empty\" slot={} duration_s={:.3f} reason={}", slot,
                     seconds,
                     ops::LogValue(models->Default() == nullptr
                                       ? "no model is loaded"
                                       : "no figure is defined yet: no prediction of the served "
                                         "versions is logged, and their artifacts hold no "
                                         "cross-validation"));
    } else {
        spdlog::info("msg=\"monitoring run\" slot={} duration_s={:.3f} figures={}", slot, seconds,
                     figures->size());
    }
    const auto finished =
        store::FinishJobRun(database_, claim, clock_.Now(), figures.has_value(),
                            figures ? FiguresToJson(*figures) : figures.error().message);
    if (finished) return true;
    spdlog::error("msg=\"monitoring run not recorded\" slot={} reason={}", slot,
                  ops::LogValue(finished.error().message));
    if (figures) gauges_.Export(*figures);  // unrecorded, but this replica's figures are right
    return false;
}

void MonitoringJob::ExportLatest() {
    auto history = store::LatestJobRuns(database_, kMonitoringJob);
    if (!history) {
        spdlog::error("msg=\"monitoring figures unreadable\" reason={}",
                      ops::LogValue(history.error().message));
        return;
    }
    gauges_.ExportHistory(*history);
    if (!history->last_success) return;
    auto figures = FiguresFromJson(history->last_success->result);
    if (!figures) {
        spdlog::error("msg=\"monitoring figures unreadable\" reason={}",
                      ops::LogValue(figures.error().message));
        return;
    }
    gauges_.Export(*figures);
    std::set<std::string> versions;
    for (const auto& figure : *figures) {
        if (!figure.labels.empty()) versions.insert(figure.labels.front());  // model_version
    }
    const std::lock_guard lock(mutex_);
    exported_versions_ = std::move(versions);
}

bool MonitoringJob::DescribesServed() {
    const auto models = models_.Current();
    std::set<std::string> served;
    for (const auto* model : {models->Default(), models->Shadow()}) {
        if (model != nullptr) served.insert(model->predictor.Version());
    }
    const std::lock_guard lock(mutex_);
    return served == exported_versions_;
}

bool MonitoringJob::RequestRefresh(std::string reason) {
    {
        const std::lock_guard lock(mutex_);
        if (stopping_ || !refresh_reason_.empty()) return false;
        refresh_reason_ = std::move(reason);
    }
    refresh_wanted_.notify_all();
    return true;
}

void MonitoringJob::StartRefreshes() {
    const std::lock_guard lock(mutex_);
    if (!refresher_.joinable() && !stopping_) refresher_ = std::thread([this] { RefreshLoop(); });
}

void MonitoringJob::RefreshLoop() {
    for (;;) {
        std::string reason;
        {
            std::unique_lock lock(mutex_);
            refresh_wanted_.wait(lock, [this] { return stopping_ || !refresh_reason_.empty(); });
            if (stopping_) return;
            reason = std::move(refresh_reason_);
            refresh_reason_.clear();
        }
        const auto slot = std::chrono::floor<std::chrono::milliseconds>(clock_.Now());
        spdlog::info("msg=\"monitoring refresh\" slot={} reason={}", base::FormatIso8601(slot),
                     ops::LogValue(reason));
        const store::JobClaim claim{std::string(kMonitoringJob), slot, owner_};
        // Another replica's refresh of the same millisecond: its figures are the same.
        if (Claim(claim) && !Evaluate(claim)) continue;
        ExportLatest();
    }
}

void MonitoringJob::RunSlot(base::SystemTime slot) {
    RunSlotOnce(slot);
    // A start: the slot's figures may be another deployment's (its run came first, with other
    // versions); this replica's served versions then get their own.
    if (std::exchange(first_slot_, false) && !DescribesServed()) {
        RequestRefresh("start: the slot's figures describe other versions than those served");
    }
}

void MonitoringJob::RunSlotOnce(base::SystemTime slot) {
    const store::JobClaim claim{std::string(kMonitoringJob), slot, owner_};
    // Past a stale claim's age, and a margin, the claim would have been taken over: give up
    // (the database is away, or the run fails) until the next slot.
    const auto give_up =
        std::chrono::steady_clock::now() + settings_.stale_claim + std::chrono::minutes(10);
    for (;;) {
        if (Claim(claim)) {
            if (!Evaluate(claim)) return;
            break;
        }
        auto finished = store::JobRunFinished(database_, kMonitoringJob, slot);
        if (finished && *finished) break;
        if (std::chrono::steady_clock::now() > give_up) {
            spdlog::error("msg=\"monitoring slot unfinished; giving up until the next\" slot={}",
                          base::FormatIso8601(slot));
            break;
        }
        // Another replica runs it (or the database is away): look again in a while.
        std::unique_lock lock(mutex_);
        if (stop_.wait_for(lock, settings_.follow_poll, [this] { return stopping_; })) return;
    }
    ExportLatest();
}

void MonitoringJob::Stop() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    stop_.notify_all();
    refresh_wanted_.notify_all();
    if (refresher_.joinable() && refresher_.get_id() != std::this_thread::get_id()) {
        refresher_.join();
    }
}

MonitoringJob::~MonitoringJob() { Stop(); }

}  // namespace attrition::app
