#include "http/handlers/model_endpoints.hpp"

#include <cmath>

#include "base/json_writer.hpp"
#include "domain/fields.hpp"
#include "http/handlers/model_version.hpp"
#include "http/handlers/what_if_json.hpp"
#include "http/problem.hpp"
#include "http/router.hpp"

namespace attrition::http::handlers {
namespace {

double ThreeDecimals(double value) { return std::round(value * 1000) / 1000; }

// The cross-validated means, 3 decimals ({} when the artifact has none).
void WriteCvMetrics(base::JsonWriter& json, const model::ModelMetadata& meta) {
    json.BeginObject();
    if (meta.cross_validation) {
        const auto& cv = meta.cross_validation->metrics;
        json.Key("accuracy").Double(ThreeDecimals(cv.accuracy.mean));
        json.Key("precision").Double(ThreeDecimals(cv.precision.mean));
        json.Key("recall").Double(ThreeDecimals(cv.recall.mean));
        json.Key("f1_score").Double(ThreeDecimals(cv.f1.mean));
        json.Key("roc_auc").Double(ThreeDecimals(cv.roc_auc.mean));
        json.Key("pr_auc").Double(ThreeDecimals(cv.pr_auc.mean));
    }
    json.EndObject();
}

void WriteRequiredFeatures(base::JsonWriter& json) {
    json.BeginObject().Key("numeric").BeginArray();
    for (const auto& f : domain::NumericFields()) json.String(f.name);
    json.EndArray().Key("categorical").BeginArray();
    for (const auto& f : domain::CategoricalFields()) json.String(f.name);
    json.EndArray().EndObject();
}

// The optional inputs of a version: name, kind, description, accepted values, aliases and
// what an absent one is imputed with.
void WriteOptionalFeatures(base::JsonWriter& json, const model::ServedModel& model) {
    const auto& meta = model.predictor.Metadata();
    json.BeginArray();
    for (std::size_t i = 0; i < meta.encoding.optional.size(); ++i) {
        const auto& group = meta.encoding.optional[i];
        json.BeginObject().Key("name").String(group.name).Key("kind").String("categorical");
        json.Key("description").String(meta.optional_features[i].description);
        json.Key("values").BeginArray();
        for (const auto& value : group.vocabulary) json.String(value);
        json.EndArray().Key("aliases").BeginObject();
        for (const auto& [spelling, canonical] : meta.optional_features[i].aliases) {
            json.Key(spelling).String(canonical);
        }
        json.EndObject().Key("imputed_with").String(group.mode).EndObject();
    }
    json.EndArray();
}

// One version of the repository: its state (default, shadow, loaded, or failed with the reason)
// and, loaded, its description and what a what-if search may change.
void WriteVersion(base::JsonWriter& json,
                  const model::Repository& models,
                  const model::RepositoryVersion& version) {
    json.BeginObject().Key("name").String(version.name);
    if (!version.model) {
        json.Key("state").String("failed").Key("reason").String(version.failure).EndObject();
        return;
    }
    const auto& meta = version.model->predictor.Metadata();
    json.Key("state").String(version.name == models.default_version  ? "default"
                             : version.name == models.shadow_version ? "shadow"
                                                                     : "loaded");
    if (!version.refused.empty()) json.Key("reload_refused").String(version.refused);
    json.Key("training_date").String(meta.training_date);
    json.Key("features_required");
    WriteRequiredFeatures(json);
    json.Key("features_optional");
    WriteOptionalFeatures(json, *version.model);
    json.Key("performance_metrics");
    WriteCvMetrics(json, meta);
    json.Key("actions");
    WriteActions(json, version.model->actions);
    json.EndObject();
}

}  // namespace

ModelEndpoints::ModelEndpoints(const model::Catalog& models) : models_(models) {}

Awaitable<Response> ModelEndpoints::ModelInfo(const Request& request,
                                              RequestContext& /*context*/) const {
    const auto models = models_.Current();
    const auto chosen = ChooseVersion(request, *models);
    if (!chosen) co_return ErrorResponse(request, chosen.error());
    const model::ServedModel& model = **chosen;
    const auto& meta = model.predictor.Metadata();
    std::string body;
    base::JsonWriter json(body);
    json.BeginObject().Key("model_version").String(meta.model_version);
    json.Key("training_date").String(meta.training_date);
    json.Key("performance_metrics");
    WriteCvMetrics(json, meta);
    json.Key("features_required");
    WriteRequiredFeatures(json);
    json.Key("features_optional");
    WriteOptionalFeatures(json, model);
    json.Key("decision_threshold").Double(meta.decision_threshold);
    if (meta.threshold_f1_optimal) {
        json.Key("f1_optimal_threshold").Double(meta.threshold_f1_optimal->threshold);
    }
    json.Key("risk_cutoffs").BeginObject();
    json.Key("low_below").Double(meta.risk.low_below);
    json.Key("medium_below").Double(meta.risk.medium_below).EndObject();
    json.Key("categorical_values").BeginObject();
    for (std::size_t i = 0; i < model.vocabulary.Count(); ++i) {
        json.Key(model.vocabulary.Name(i)).BeginArray();
        for (const auto& value : model.vocabulary.Values(i)) json.String(value);
        json.EndArray();
    }
    json.EndObject().EndObject();
    co_return JsonResponse(request, Status::ok, std::move(body));
}

Awaitable<Response> ModelEndpoints::Models(const Request& request,
                                           RequestContext& /*context*/) const {
    const auto snapshot = models_.Current();
    const model::Repository& models = *snapshot;
    std::string body;
    base::JsonWriter json(body);
    json.BeginObject().Key("default").StringOrNull(models.default_version);
    json.Key("shadow").StringOrNull(models.shadow_version);
    json.Key("models").BeginArray();
    for (const auto& version : models.versions) WriteVersion(json, models, version);
    json.EndArray().EndObject();
    co_return JsonResponse(request, Status::ok, std::move(body));
}

Awaitable<Response> ModelEndpoints::ModelVersion(const Request& request,
                                                 RequestContext& /*context*/) const {
    const auto snapshot = models_.Current();
    const model::Repository& models = *snapshot;
    const auto name =
        Router::PatternParameter(kModelVersionPattern, Router::PathOf(request.target()));
    const auto decoded = PercentDecode(name);
    const auto* version = decoded ? models.Find(*decoded) : nullptr;
    if (version == nullptr) {
        co_return ErrorResponse(request, base::Error::Make(base::ErrorCode::kNotFound,
                                                           "Unknown model version; available: " +
                                                               models.LoadedNames()));
    }
    std::string body;
    base::JsonWriter json(body);
    WriteVersion(json, models, *version);
    co_return JsonResponse(request, Status::ok, std::move(body));
}

}  // namespace attrition::http::handlers
