#include "http/openapi.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "domain/fields.hpp"
#include "domain/outcome.hpp"
#include "http/problem.hpp"

namespace attrition::http {
namespace {

using Json = nlohmann::json;
using domain::FieldKind;

Json Ref(std::string_view schema) {
    return Json{{"$ref", fmt::format("#/components/schemas/{}", schema)}};
}

// Integral values as JSON integers (18, not 18.0).
Json Number(double value) {
    if (std::trunc(value) == value && std::fabs(value) <= domain::kMaxExactInteger) {
        return static_cast<std::int64_t>(value);
    }
    return value;
}

// The example a form or the docs show for a categorical: the table's, if the vocabulary has it.
std::string CategoricalExample(const domain::Vocabulary& vocabulary, std::size_t c) {
    if (c < domain::kCategoricalCount) {
        const auto& field = domain::CategoricalFields()[c];
        if (const auto canonical = vocabulary.Canonical(c, field.categorical_example)) {
            return std::string(*canonical);
        }
    }
    return vocabulary.Values(c).front();
}

Json NumericProperty(const domain::FieldSpec& field) {
    const bool integer = field.kind == FieldKind::kInteger;
    Json property{{"type", integer ? "integer" : "number"},
                  {"description", field.description},
                  {"examples", Json::array({Number(field.example)})}};
    if (field.minimum) {
        property[field.exclusive_minimum ? "exclusiveMinimum" : "minimum"] = Number(*field.minimum);
    } else if (integer) {
        property["minimum"] = Number(-domain::kMaxExactInteger);
    }
    if (field.maximum) {
        property["maximum"] = Number(*field.maximum);
    } else if (integer) {
        property["maximum"] = Number(domain::kMaxExactInteger);
    }
    return property;
}

Json CategoricalProperty(const domain::Vocabulary& vocabulary,
                         std::size_t c,
                         std::string description) {
    const auto aliases = vocabulary.Aliases(c);
    if (!aliases.empty()) {
        description += ". Also accepted (ASCII case-insensitive), read as the training value:";
        for (std::size_t i = 0; i < aliases.size(); ++i) {
            description += fmt::format("{} '{}' → '{}'", i == 0 ? "" : ",", aliases[i].spelling,
                                       vocabulary.Values(c)[aliases[i].value_index]);
        }
    }
    Json values = Json::array();
    for (const auto& value : vocabulary.Values(c)) values.push_back(value);
    return Json{{"type", "string"},
                {"enum", values},
                {"description", description},
                {"examples", Json::array({CategoricalExample(vocabulary, c)})}};
}

enum class EmployeeId { kOptional, kRequired };

// What the document says of an optional input: its description, the versions that take it and
// what they impute when it is absent.
std::string OptionalDescription(const OpenApiInfo& info, std::string_view name) {
    for (const auto& input : info.optional_inputs) {
        if (input.name == name) {
            return fmt::format(
                "{}. Optional, used by model version {}; absent or null: imputed with '{}' and "
                "a warning; ignored by other versions",
                input.description, input.versions, input.imputed_with);
        }
    }
    return "Optional input";
}

Json EmployeeSchema(const domain::Vocabulary& vocabulary, const OpenApiInfo& info, EmployeeId id) {
    const bool id_required = id == EmployeeId::kRequired;
    Json properties = Json::object();
    Json required = Json::array();
    for (const auto& field : domain::NumericFields()) {
        properties[std::string(field.name)] = NumericProperty(field);
        required.push_back(field.name);
    }
    for (std::size_t c = 0; c < domain::kCategoricalCount; ++c) {
        const auto name = domain::CategoricalFields()[c].name;
        properties[std::string(name)] = CategoricalProperty(
            vocabulary, c, std::string(domain::CategoricalFields()[c].description));
        required.push_back(name);
    }
    for (std::size_t c = domain::kCategoricalCount; c < vocabulary.Count(); ++c) {
        const std::string name(vocabulary.Name(c));
        properties[name] = CategoricalProperty(vocabulary, c, OptionalDescription(info, name));
    }
    properties["employee_id"] = Json{
        {"type", "string"},
        {"minLength", 1},
        {"maxLength", domain::kEmployeeIdMaxLength},
        {"description", id_required ? "Client's identifier of the employee, echoed in the "
                                      "prediction and stored in the prediction log"
                                    : "Optional client identifier, stored in the prediction log"},
        {"examples", Json::array({"E001"})}};
    if (id_required) required.push_back("employee_id");
    return Json{{"type", "object"},
                {"description",
                 "One employee's features (SPEC §1). Numbers must be finite; an integer field "
                 "takes a JSON integer or an integral float such as 35.0. Unknown extra fields "
                 "are ignored. Values outside the training data's range are scored with a "
                 "warning in metadata.warnings."},
                {"properties", properties},
                {"required", required}};
}

Json EmployeeExample(const domain::Vocabulary& vocabulary) {
    Json example = Json::object();
    for (const auto& field : domain::NumericFields()) {
        example[std::string(field.name)] = Number(field.example);
    }
    for (std::size_t c = 0; c < domain::kCategoricalCount; ++c) {
        example[std::string(domain::CategoricalFields()[c].name)] =
            CategoricalExample(vocabulary, c);
    }
    return example;
}

Json Object(Json properties, Json required) {
    return Json{{"type", "object"},
                {"properties", std::move(properties)},
                {"required", std::move(required)}};
}

Json Text(std::string_view description) {
    return Json{{"type", "string"}, {"description", description}};
}

Json Timestamp() {
    return Json{{"type", "string"}, {"format", "date-time"}, {"description", "UTC, ISO 8601"}};
}

Json Warnings() {
    return Json{{"type", "array"},
                {"items", {{"type", "string"}}},
                {"description",
                 "One entry per input outside the range seen in training: the model "
                 "extrapolates there. Names the field and the training range."}};
}

Json Percent(std::string_view description) {
    return Json{{"type", "number"}, {"minimum", 0}, {"maximum", 100}, {"description", description}};
}

Json RiskLevel() {
    return Json{{"type", "string"},
                {"enum", {"LOW", "MEDIUM", "HIGH"}},
                {"description", "LOW below 40 %, MEDIUM below 60 %, else HIGH"}};
}

Json NumericFieldNames() {
    Json names = Json::array();
    for (const auto& field : domain::NumericFields()) names.push_back(field.name);
    return names;
}

Json CategoricalFieldNames() {
    Json names = Json::array();
    for (const auto& field : domain::CategoricalFields()) names.push_back(field.name);
    return names;
}

// The operator side: readiness, the log's history, stats and erasure (log_endpoints.hpp).
// Longer than 60 lines: a data table (schemas of the OpenAPI document).
// NOLINTNEXTLINE(readability-function-size)
void OperationsSchemas(Json& s) {
    const Json integer{{"type", "integer"}, {"minimum", 0}};
    const Json probability{{"type", "number"},
                           {"minimum", 0},
                           {"maximum", 1},
                           {"description", "A probability in 0..1 (as stored in the log)"}};
    s["Readiness"] = Object(
        {{"status", {{"type", "string"}, {"enum", {"ready", "not_ready"}}}},
         {"model_loaded", {{"type", "boolean"}}},
         {"database", {{"type", "string"}, {"enum", {"up", "down", "disabled", "unknown"}}}},
         {"log",
          {{"type", "string"},
           {"enum", {"writing", "spooling", "off"}},
           {"description",
            "spooling (degraded): records go to the local spool, not the database — down, or "
            "refusing writes while it answers (read-only, full disk, revoked grant)"}}},
         {"spool", Object({{"bytes", integer},
                           {"max_bytes", integer},
                           {"has_room", {{"type", "boolean"}}},
                           {"records", integer}},
                          {"bytes", "max_bytes", "has_room", "records"})},
         {"detail", Text("What is not ready, or what is degraded (absent when neither)")}},
        {"status", "model_loaded", "database", "log", "spool"});
    s["RiskCounts"] = Object({{"LOW", integer}, {"MEDIUM", integer}, {"HIGH", integer}},
                             {"LOW", "MEDIUM", "HIGH"});
    s["HistoryItem"] = Object(
        {{"id", {{"type", "string"}, {"format", "uuid"}}},
         {"request_id", {{"type", "string"}, {"format", "uuid"}}},
         {"created_at", Timestamp()},
         {"prediction_date", Timestamp()},
         {"employee_id", {{"type", {"string", "null"}}}},
         {"attrition_prob", probability},
         {"risk_level", {{"type", "string"}, {"enum", {"LOW", "MEDIUM", "HIGH"}}}},
         {"model_version", {{"type", "string"}}},
         {"endpoint", {{"type", "string"}}},
         {"shadow",
          {{"type", "boolean"},
           {"description", "Scored by the shadow version; the client got another answer"}}},
         {"x_request_id",
          {{"type", {"string", "null"}},
           {"description",
            "The X-Request-ID of the request's answer (the client's, or the one the "
            "service made); null for rows logged before it was kept"}}}},
        {"id", "request_id", "created_at", "prediction_date", "employee_id", "attrition_prob",
         "risk_level", "model_version", "endpoint", "shadow", "x_request_id"});
    s["HistoryPage"] =
        Object({{"items", {{"type", "array"}, {"items", Ref("HistoryItem")}}},
                {"limit", integer},
                {"next_cursor",
                 {{"type", {"string", "null"}},
                  {"description", "Pass as ?cursor= for the next page; null on the last page"}}}},
               {"items", "limit", "next_cursor"});
    const Json by_version = {
        {"type", "array"},
        {"items", Ref("VersionStats")},
        {"description",
         "The answered predictions by the version that made them (shadow rows are "
         "not counted), by name: their totals add up to the total beside them"}};
    s["VersionStats"] = Object({{"model_version", {{"type", "string"}}},
                                {"total", integer},
                                {"by_risk_level", Ref("RiskCounts")},
                                {"mean_attrition_prob", probability}},
                               {"model_version", "total", "by_risk_level", "mean_attrition_prob"});
    s["DayStats"] =
        Object({{"date", {{"type", "string"}, {"format", "date"}}},
                {"total", integer},
                {"by_risk_level", Ref("RiskCounts")},
                {"mean_attrition_prob", probability},
                {"by_model_version", by_version}},
               {"date", "total", "by_risk_level", "mean_attrition_prob", "by_model_version"});
    s["Stats"] = Object({{"days", integer},
                         {"since", Timestamp()},
                         {"total", integer},
                         {"by_risk_level", Ref("RiskCounts")},
                         {"mean_attrition_prob", probability},
                         {"by_model_version", by_version},
                         {"per_day", {{"type", "array"}, {"items", Ref("DayStats")}}}},
                        {"days", "since", "total", "by_risk_level", "mean_attrition_prob",
                         "by_model_version", "per_day"});
    s["Erasure"] = Object({{"employee_id", {{"type", "string"}}},
                           {"predictions_deleted", integer},
                           {"requests_deleted", integer},
                           {"requests_redacted", integer},
                           {"outcomes_deleted", integer}},
                          {"employee_id", "predictions_deleted", "requests_deleted",
                           "requests_redacted", "outcomes_deleted"});
    s["Outcome"] = Object(
        {{"employee_id",
          {{"type", "string"}, {"minLength", 1}, {"maxLength", domain::kEmployeeIdMaxLength}}},
         {"event",
          {{"type", "string"},
           {"enum", {"left", "stayed"}},
           {"description", "left: left the company on date; stayed: still employed on date"}}},
         {"date",
          {{"type", "string"},
           {"format", "date"},
           {"description",
            "Calendar date, not in the future in any time zone (at most UTC's today + 1 day)"}}}},
        {"employee_id", "event", "date"});
    s["OutcomesRequest"] = Object({{"outcomes",
                                    {{"type", "array"},
                                     {"items", Ref("Outcome")},
                                     {"minItems", 1},
                                     {"maxItems", domain::kMaxOutcomesPerRequest}}}},
                                  {"outcomes"});
    s["OutcomesResult"] =
        Object({{"accepted", {{"type", "integer"}, {"description", "Stored by this request"}}},
                {"duplicates",
                 {{"type", "integer"},
                  {"description", "Already stored (or repeated in the request): stored once"}}}},
               {"accepted", "duplicates"});
}

// The model's health computed from the log (monitoring_endpoints.hpp).
// Longer than 60 lines: a data table (schemas of the OpenAPI document).
// NOLINTNEXTLINE(readability-function-size)
void MonitoringSchemas(Json& s) {
    const Json integer{{"type", "integer"}, {"minimum", 0}};
    const auto ratio = [](std::string_view description) {
        return Json{
            {"type", "number"}, {"minimum", 0}, {"maximum", 1}, {"description", description}};
    };
    const auto nullable_ratio = [](std::string_view description) {
        return Json{{"type", {"number", "null"}},
                    {"minimum", 0},
                    {"maximum", 1},
                    {"description", description}};
    };
    const Json pair{
        {"type", "array"}, {"items", {{"type", "number"}}}, {"minItems", 2}, {"maxItems", 2}};
    const Json nullable_pair{{"oneOf", {pair, {{"type", "null"}}}}};
    const auto nullable_interval = [&](std::string_view description) {
        Json interval = nullable_pair;
        interval["description"] = description;
        return interval;
    };
    const Json mean_std =
        Object({{"mean", {{"type", "number"}}}, {"std", {{"type", "number"}}}}, {"mean", "std"});
    const Json bin = Object({{"mean_predicted", ratio("Mean predicted probability")},
                             {"observed_rate", ratio("Share that left")},
                             {"n", integer}},
                            {"mean_predicted", "observed_rate", "n"});
    s["CalibrationDecile"] = Object(
        {{"decile", {{"type", "integer"}, {"minimum", 1}, {"maximum", 10}}},
         {"mean_predicted", ratio("Mean predicted probability in the decile")},
         {"observed_rate", ratio("Share of the decile's predictions that resolved positive")},
         {"n", integer}},
        {"decile", "mean_predicted", "observed_rate", "n"});
    s["CrossValidation"] =
        Object({{"folds", integer},
                {"roc_auc", mean_std},
                {"pr_auc", mean_std},
                {"precision", mean_std},
                {"recall", mean_std},
                {"f1_score", mean_std},
                {"accuracy", mean_std},
                {"calibration",
                 {{"type", "array"},
                  {"items", bin},
                  {"description", "Out-of-fold deciles of predicted probability at training"}}}},
               {"folds", "roc_auc", "pr_auc", "precision", "recall", "f1_score", "accuracy",
                "calibration"});
    const Json psi{{"type", {"number", "null"}},
                   {"minimum", 0},
                   {"description", "Population stability index; null without live values"}};
    const Json level{{"type", {"string", "null"}},
                     {"enum", {"stable", "moderate", "significant", nullptr}},
                     {"description", "stable < 0.1 <= moderate < 0.25 <= significant"}};
    s["FeatureDrift"] = Object(
        {{"name", {{"type", "string"}}},
         {"kind", {{"type", "string"}, {"enum", {"numeric", "categorical"}}}},
         {"n", {{"type", "integer"}, {"description", "Live values compared"}}},
         {"psi", psi},
         {"level", level},
         {"ks",
          {{"type", {"number", "null"}},
           {"description",
            "Numeric only: largest gap between the cumulative shares at the training "
            "decile edges"}}},
         {"chance_bound",
          {{"type", {"number", "null"}},
           {"description",
            "The PSI that sampling alone reaches (95 %) at this n: see "
            "chance_bound_method; null without values"}}},
         {"beyond_chance",
          {{"type", {"boolean", "null"}},
           {"description", "psi above chance_bound; null without values"}}},
         {"significant",
          {{"type", "boolean"},
           {"description", "level significant, and beyond_chance (what the drift alerts use)"}}},
         {"bins",
          {{"type", "array"},
           {"description",
            "Every bin (numeric: lower <= x < upper, null for open) or "
            "value (categorical), largest contribution to the PSI first"},
           {"items", Object({{"lower", {{"type", {"number", "null"}}}},
                             {"upper", {{"type", {"number", "null"}}}},
                             {"value", {{"type", "string"}}},
                             {"training_share", ratio("Share at training")},
                             {"live_share", ratio("Share in the window")},
                             {"contribution",
                              {{"type", "number"},
                               {"description",
                                "(live - training) x ln(live / training), shares "
                                "floored at 1e-4: the bins' sum is psi"}}}},
                            {"training_share", "live_share", "contribution"})}}}},
        {"name", "kind", "n", "psi", "level", "chance_bound", "beyond_chance", "significant",
         "bins"});
    s["DriftReport"] =
        Object({{"model_version", {{"type", "string"}}},
                {"days", integer},
                {"since", Timestamp()},
                {"rows",
                 {{"type", "integer"}, {"description", "The version's predictions in the window"}}},
                {"sampled_rows",
                 {{"type", "integer"},
                  {"description", "Of which compared: a uniform sample of about 20,000 at most"}}},
                {"thresholds",
                 Object({{"moderate", {{"type", "number"}}}, {"significant", {{"type", "number"}}}},
                        {"moderate", "significant"})},
                {"training_rows",
                 {{"type", "integer"}, {"description", "The rows the training shares count"}}},
                {"chance_bound_method", Text("How chance_bound is computed")},
                {"features", {{"type", "array"}, {"items", Ref("FeatureDrift")}}},
                {"prediction",
                 {{"oneOf", {Ref("FeatureDrift"), {{"type", "null"}}}},
                  {"description", "The predicted probability against the out-of-fold scores"}}}},
               {"model_version", "days", "since", "rows", "sampled_rows", "thresholds",
                "training_rows", "chance_bound_method", "features", "prediction"});
    const auto nullable = [](std::string_view description) {
        return Json{{"type", {"number", "null"}}, {"description", description}};
    };
    const auto wilson = [&](std::string_view over) {
        return nullable_interval(
            fmt::format("95 % Wilson interval over {}; null without any", over));
    };
    s["FairnessGroup"] = Object(
        {{"group", Text("The value (genre, statut_marital) or age band (18-29 … 50+)")},
         {"n", integer},
         {"flagged", integer},
         {"selection_rate", ratio("Share with will_leave (flagged / n)")},
         {"mean_predicted", ratio("Mean probability")},
         {"resolved", integer},
         {"positives", integer},
         {"observed_rate", nullable_ratio("Share of the resolved who left (positives / resolved)")},
         {"tpr", nullable_ratio("Of those who left, share flagged")},
         {"fpr", nullable_ratio("Of those who stayed, share flagged")},
         {"precision", nullable_ratio("Of the flagged resolved, share who left")},
         {"intervals", Object({{"selection_rate", wilson("n")},
                               {"observed_rate", wilson("resolved")},
                               {"tpr", wilson("positives")},
                               {"fpr", wilson("resolved - positives")},
                               {"precision", wilson("the flagged resolved")}},
                              {"selection_rate", "observed_rate", "tpr", "fpr", "precision"})}},
        {"group", "n", "flagged", "selection_rate", "mean_predicted", "resolved", "positives",
         "observed_rate", "tpr", "fpr", "precision", "intervals"});
    s["FairnessAttribute"] = Object(
        {{"attribute", {{"type", "string"}, {"enum", {"genre", "statut_marital", "age_band"}}}},
         {"groups", {{"type", "array"}, {"items", Ref("FairnessGroup")}}},
         {"selection_rate_ratio",
          nullable("Lowest selection rate / highest; null when nobody is flagged")},
         {"below_four_fifths", {{"type", "boolean"}, {"description", "ratio < 0.8"}}},
         {"tpr_difference", nullable("Highest - lowest TPR between groups; null under two")}},
        {"attribute", "groups", "selection_rate_ratio", "below_four_fifths", "tpr_difference"});
    const Json attributes{{"type", "array"}, {"items", Ref("FairnessAttribute")}};
    s["Fairness"] = Object(
        {{"model_version", {{"type", "string"}}},
         {"since", {{"type", {"string", "null"}}, {"format", "date-time"}}},
         {"until", {{"type", {"string", "null"}}, {"format", "date-time"}}},
         {"horizon_days", integer},
         {"decision_threshold", ratio("will_leave: probability >= this")},
         {"four_fifths", ratio("The selection-rate ratio below which an attribute is flagged")},
         {"live", attributes},
         {"training",
          {{"oneOf", {attributes, {{"type", "null"}}}},
           {"description", "The same on the out-of-fold predictions at training"}}}},
        {"model_version", "since", "until", "horizon_days", "decision_threshold", "four_fifths",
         "live", "training"});
    // A figure with its sample size, interval and the reason it is null (one of `reasons`).
    const auto figure = [&](const char* value, const char* n, const char* interval, Json reasons) {
        reasons.push_back(nullptr);
        return Object({{"value", nullable_ratio(value)},
                       {"n", {{"type", "integer"}, {"description", n}}},
                       {"interval", nullable_interval(interval)},
                       {"reason",
                        {{"type", {"string", "null"}},
                         {"enum", std::move(reasons)},
                         {"description", "Why value is null; null when it is not"}}}},
                      {"value", "n", "interval", "reason"});
    };
    s["RefreshQueued"] =
        Object({{"refresh",
                 {{"type", "string"},
                  {"enum", {"queued", "already_queued"}},
                  {"description",
                   "already_queued: a run was waiting already; it runs once (the metrics show it: "
                   "attrition_monitoring_last_run_timestamp_seconds)"}}}},
               {"refresh"});
    s["RealizedFigure"] =
        figure("The figure; null when the judged predictions cannot support it",
               "The predictions it is computed on",
               "95 % confidence interval (ROC AUC: Hanley-McNeil; precision, recall: Wilson; "
               "PR AUC: logit; Brier: normal); null where none is given (F1)",
               {"no_mature_outcomes", "fewer_than_30_leavers", "fewer_than_30_stayers",
                "nothing_flagged", "precision_and_recall_zero"});
    s["EstimatedFigure"] =
        figure("The expected figure; null when the probabilities cannot support it",
               "The predictions it is computed on (precision: the flagged ones)",
               "95 % sampling interval of a window this size (ROC AUC: Hanley-McNeil at the "
               "expected class sizes; precision, recall: Wilson); null where none is given",
               {"no_predictions", "fewer_than_30_expected_leavers",
                "fewer_than_30_expected_stayers", "nothing_flagged", "precision_and_recall_zero"});
    const auto expected = [&](const char* what) {
        return nullable_ratio(std::string(what) +
                              "; null with its reason in figures under 30 expected leavers or "
                              "stayers");
    };
    s["EstimatedPerformance"] = Object(
        {{"n", {{"type", "integer"}, {"description", "The window's predictions, due or not"}}},
         {"calibration",
          {{"type", "string"},
           {"enum", {"none", "isotonic", "logistic"}},
           {"description",
            "The map the probabilities go through first (the version's score_calibrator)"}}},
         {"expected_positives",
          {{"type", {"number", "null"}},
           {"description", "Sum of the calibrated probabilities; null without predictions"}}},
         {"roc_auc", expected("Expected ROC AUC")},
         {"roc_auc_interval", nullable_pair},
         {"precision", expected("Expected, at the decision threshold")},
         {"recall", expected("Expected, at the decision threshold")},
         {"f1_score", expected("Expected, at the decision threshold")},
         {"figures", Object({{"roc_auc", Ref("EstimatedFigure")},
                             {"precision", Ref("EstimatedFigure")},
                             {"recall", Ref("EstimatedFigure")},
                             {"f1_score", Ref("EstimatedFigure")}},
                            {"roc_auc", "precision", "recall", "f1_score"})}},
        {"n", "calibration", "expected_positives", "roc_auc", "roc_auc_interval", "precision",
         "recall", "f1_score", "figures"});
    const auto judged = [&](const char* what) {
        return nullable_ratio(std::string(what) +
                              "; null with its reason in realized when fewer than 30 mature "
                              "predictions of each class are judged");
    };
    s["LivePerformance"] = Object(
        {{"model_version", {{"type", "string"}}},
         {"since", {{"type", {"string", "null"}}, {"format", "date-time"}}},
         {"until", {{"type", {"string", "null"}}, {"format", "date-time"}}},
         {"horizon_days", integer},
         {"as_of",
          {{"type", "string"},
           {"format", "date"},
           {"description",
            "The UTC day of the answer: a prediction is mature when made at "
            "least horizon_days before it"}}},
         {"decision_threshold", ratio("will_leave: probability >= this")},
         {"resolved",
          {{"type", "integer"},
           {"description", "Mature predictions an outcome resolves (judged)"}}},
         {"unresolved",
          {{"type", "integer"},
           {"description",
            "The others: not yet due, or mature without a deciding outcome, or "
            "without employee_id"}}},
         {"not_yet_due",
          {{"type", "integer"},
           {"description", "Predictions whose horizon has not ended (never judged)"}}},
         {"early_departures",
          {{"type", "integer"},
           {"description",
            "Not yet due, and the employee already left within the horizon: "
            "counted, not judged"}}},
         {"positives", {{"type", "integer"}, {"description", "Resolved: left within the horizon"}}},
         {"min_per_class",
          {{"type", "integer"}, {"description", "Judged leavers and stayers each needs"}}},
         {"roc_auc", judged("ROC AUC")},
         {"pr_auc", judged("Average precision")},
         {"precision", judged("At the decision threshold")},
         {"recall", judged("At the decision threshold")},
         {"f1_score", judged("At the decision threshold")},
         {"brier", judged("Mean squared error of the probability")},
         {"realized", Object({{"roc_auc", Ref("RealizedFigure")},
                              {"pr_auc", Ref("RealizedFigure")},
                              {"precision", Ref("RealizedFigure")},
                              {"recall", Ref("RealizedFigure")},
                              {"f1_score", Ref("RealizedFigure")},
                              {"brier", Ref("RealizedFigure")}},
                             {"roc_auc", "pr_auc", "precision", "recall", "f1_score", "brier"})},
         {"estimated",
          {{"allOf", {Ref("EstimatedPerformance")}},
           {"description",
            "What the window's probabilities alone expect (confidence-based performance "
            "estimation), due or not: docs/monitoring.md"}}},
         {"calibration", {{"type", "array"}, {"items", Ref("CalibrationDecile")}}},
         {"cross_validation",
          {{"oneOf", {Ref("CrossValidation"), {{"type", "null"}}}},
           {"description", "The version's cross-validated figures at training"}}}},
        {"model_version",    "since",      "until",
         "horizon_days",     "as_of",      "decision_threshold",
         "resolved",         "unresolved", "not_yet_due",
         "early_departures", "positives",  "min_per_class",
         "roc_auc",          "pr_auc",     "precision",
         "recall",           "f1_score",   "brier",
         "realized",         "estimated",  "calibration",
         "cross_validation"});
}

// The Open Inference Protocol (KServe V2) shapes, as its REST specification defines them.
// Longer than 60 lines: a data table (schemas of the OpenAPI document).
// NOLINTNEXTLINE(readability-function-size)
void V2Schemas(Json& s) {
    const Json text{{"type", "string"}};
    const Json tensor_metadata =
        Object({{"name", text},
                {"datatype", {{"type", "string"}, {"enum", {"INT64", "FP64", "BYTES", "BOOL"}}}},
                {"shape", {{"type", "array"}, {"items", {{"type", "integer"}}}}}},
               {"name", "datatype", "shape"});
    s["V2ServerMetadata"] = Object(
        {{"name", text}, {"version", text}, {"extensions", {{"type", "array"}, {"items", text}}}},
        {"name", "version", "extensions"});
    s["V2Live"] = Object({{"live", {{"type", "boolean"}}}}, {"live"});
    s["V2Ready"] = Object({{"ready", {{"type", "boolean"}}}}, {"ready"});
    s["V2ModelReady"] = Object(
        {{"name", text}, {"version", text}, {"ready", {{"type", "boolean"}}}}, {"name", "ready"});
    s["V2ModelMetadata"] =
        Object({{"name", text},
                {"versions", {{"type", "array"}, {"items", text}}},
                {"platform", text},
                {"inputs", {{"type", "array"}, {"items", tensor_metadata}}},
                {"outputs", {{"type", "array"}, {"items", tensor_metadata}}},
                {"parameters",
                 Object({{"max_batch_size",
                          {{"type", "integer"}, {"description", "Most rows in one inference"}}}},
                        {"max_batch_size"})}},
               {"name", "platform", "inputs", "outputs"});
    const Json data{{"type", "array"},
                    {"items", {{"type", {"number", "string", "boolean"}}}},
                    {"description", "The tensor's values, flat, one per row"}};
    s["V2InferRequest"] = Object(
        {{"id", Text("Echoed in the response")},
         {"parameters", {{"type", "object"}}},
         {"inputs",
          {{"type", "array"},
           {"minItems", 1},
           {"description",
            "One tensor per feature (GET /v2/models/attrition lists them), shape [N]: INT64 or "
            "FP64 for numerics, BYTES for categoricals and the optional employee_id"},
           {"items", Object({{"name", text},
                             {"shape", {{"type", "array"}, {"items", {{"type", "integer"}}}}},
                             {"datatype", text},
                             {"parameters", {{"type", "object"}}},
                             {"data", data}},
                            {"name", "shape", "datatype", "data"})}}},
         {"outputs",
          {{"type", "array"},
           {"description", "The outputs wanted (default: all three)"},
           {"items", Object({{"name",
                              {{"type", "string"},
                               {"enum", {"probability_leave", "will_leave", "risk_level"}}}},
                             {"parameters", {{"type", "object"}}}},
                            {"name"})}}}},
        {"inputs"});
    s["V2InferResponse"] = Object(
        {{"model_name", text},
         {"model_version", text},
         {"id", text},
         {"outputs",
          {{"type", "array"},
           {"items", Object({{"name", text},
                             {"shape", {{"type", "array"}, {"items", {{"type", "integer"}}}}},
                             {"datatype", text},
                             {"data", data}},
                            {"name", "shape", "datatype", "data"})}}}},
        {"model_name", "outputs"});
    s["V2Error"] = Object({{"error", Text("What is wrong: the input and the rule")}}, {"error"});
}

// POST /api/v1/what-if's answer and a version's action space (model/actions.hpp).
// Longer than 60 lines: a data table (schemas of the OpenAPI document).
// NOLINTNEXTLINE(readability-function-size)
void WhatIfSchemas(Json& s, const OpenApiInfo& info) {
    const Json value{{"type", {"number", "integer", "string"}},
                     {"description", "A numeric input's number or a categorical input's value"}};
    s["Action"] = Object(
        {{"input", Text("The input a what-if search may change")},
         {"change",
          {{"type", "string"},
           {"enum", {"raise", "lower", "towards"}},
           {"description",
            "raise, lower: a numeric input, up or down from its value; towards: a categorical "
            "input, to any value after its own in order"}}},
         {"max_step", {{"type", "number"}, {"description", "At most this much (input's unit)"}}},
         {"max_relative",
          {{"type", "number"}, {"description", "At most this share of the value (0.2: 20 %)"}}},
         {"order", {{"type", "array"}, {"items", {{"type", "string"}}}}},
         {"goal",
          {{"type", "boolean"},
           {"description", "An outcome to work towards (a satisfaction score), not an action"}}},
         {"label", Text("What HR reads")}},
        {"input", "change", "goal", "label"});
    s["WhatIfChange"] = Object({{"feature", Text("The input changed")},
                                {"from", value},
                                {"to", value},
                                {"goal", s["Action"]["properties"]["goal"]},
                                {"label", Text("The action's label")}},
                               {"feature", "from", "to", "goal", "label"});
    s["WhatIfProposal"] = Object(
        {{"changes", {{"type", "array"}, {"items", Ref("WhatIfChange")}, {"minItems", 1}}},
         {"probability_leave",
          Percent("What POST /api/v1/predict answers for the employee with the changes made")},
         {"will_leave", {{"type", "boolean"}}},
         {"risk_level", RiskLevel()}},
        {"changes", "probability_leave", "will_leave", "risk_level"});
    s["WhatIfResponse"] = Object(
        {{"probability_leave", Percent("The employee as sent, as POST /api/v1/predict answers")},
         {"will_leave", {{"type", "boolean"}}},
         {"risk_level", RiskLevel()},
         {"decision_threshold_percent", Percent("Under it, an employee is not flagged")},
         {"proposals",
          {{"type", "array"},
           {"items", Ref("WhatIfProposal")},
           {"description",
            "Changes that bring the probability under the threshold: fewest changes first, "
            "then the smallest (the share of each input's reach used); no proposal's inputs "
            "contain another's"}}},
         {"reason",
          {{"type", {"string", "null"}},
           {"description", "Why there is no proposal; null when there are"}}},
         {"note", Text("What a proposal is, and is not: a prediction, not a causal promise")},
         {"search", Object({{"max_changes", {{"type", "integer"}}},
                            {"exact", {{"type", "boolean"}}},
                            {"evaluated",
                             {{"type", "integer"}, {"description", "Changed employees scored"}}}},
                           {"max_changes", "exact", "evaluated"})},
         {"metadata", Ref("WhatIfMetadata")}},
        {"probability_leave", "will_leave", "risk_level", "decision_threshold_percent", "proposals",
         "reason", "note", "search", "metadata"});
    s["WhatIfMetadata"] = Object({{"model_version", Text("Model that scored")},
                                  {"what_if_time_ms", {{"type", "integer"}}},
                                  {"timestamp", Timestamp()},
                                  {"warnings", Warnings()}},
                                 {"model_version", "what_if_time_ms", "timestamp"});
    s["ModelVersion"]["properties"]["actions"] = {
        {"type", "array"},
        {"items", Ref("Action")},
        {"description",
         "What POST /api/v1/what-if may change with this version (metadata.json's actions, "
         "else the defaults of docs/model.md); never age, gender, marital status, education, "
         "experience, evaluations, department, job or distance"},
        {"examples", Json::array({model::ActionsToJson(info.actions)["inputs"]})}};
}

// Longer than 60 lines: a data table (schemas of the OpenAPI document).
// NOLINTNEXTLINE(readability-function-size)
Json Schemas(const domain::Vocabulary& vocabulary, const OpenApiInfo& info) {
    Json s = Json::object();
    s["Employee"] = EmployeeSchema(vocabulary, info, EmployeeId::kOptional);
    s["BatchEmployee"] = EmployeeSchema(vocabulary, info, EmployeeId::kRequired);
    s["BatchRequest"] = Object({{"employees",
                                 {{"type", "array"},
                                  {"items", Ref("BatchEmployee")},
                                  {"minItems", 1},
                                  {"maxItems", info.batch_limit}}}},
                               {"employees"});
    s["Prediction"] =
        Object({{"will_leave", {{"type", "boolean"}, {"description", "P(leave) >= 0.5"}}},
                {"probability_leave", Percent("P(leave) in percent, 2 decimals")},
                {"probability_stay", Percent("100 - probability_leave")},
                {"risk_level", RiskLevel()}},
               {"will_leave", "probability_leave", "probability_stay", "risk_level"});
    s["PredictionMetadata"] = Object({{"model_version", Text("Model that scored")},
                                      {"prediction_time_ms", {{"type", "integer"}}},
                                      {"timestamp", Timestamp()},
                                      {"warnings", Warnings()}},
                                     {"model_version", "prediction_time_ms", "timestamp"});
    s["PredictionResponse"] =
        Object({{"prediction", Ref("Prediction")}, {"metadata", Ref("PredictionMetadata")}},
               {"prediction", "metadata"});
    s["BatchPrediction"] =
        Object({{"employee_id", Text("As sent")},
                {"will_leave", {{"type", "boolean"}}},
                {"probability_leave", Percent("P(leave) in percent, 2 decimals")},
                {"risk_level", RiskLevel()},
                {"warnings", Warnings()}},
               {"employee_id", "will_leave", "probability_leave", "risk_level"});
    s["BatchMetadata"] =
        Object({{"total_predictions", {{"type", "integer"}, {"minimum", 1}}},
                {"model_version", Text("Model that scored")},
                {"prediction_time_ms", {{"type", "integer"}}},
                {"timestamp", Timestamp()}},
               {"total_predictions", "model_version", "prediction_time_ms", "timestamp"});
    s["BatchResponse"] = Object({{"predictions",
                                  {{"type", "array"},
                                   {"items", Ref("BatchPrediction")},
                                   {"description", "In request order"}}},
                                 {"metadata", Ref("BatchMetadata")}},
                                {"predictions", "metadata"});
    Json features = NumericFieldNames();
    for (const auto& name : CategoricalFieldNames()) features.push_back(name);
    for (std::size_t c = domain::kCategoricalCount; c < vocabulary.Count(); ++c) {
        features.push_back(vocabulary.Name(c));  // an optional input's explanation too
    }
    s["FeatureContribution"] = Object(
        {{"feature", {{"type", "string"}, {"enum", features}, {"description", "Input field"}}},
         {"shap_value",
          {{"type", "number"},
           {"description",
            "SHAP value on the log-odds scale for the leave class; for a categorical, the sum "
            "over its one-hot columns"}}},
         {"impact",
          {{"type", "string"}, {"enum", {"increases risk", "decreases risk", "neutral"}}}}},
        {"feature", "shap_value", "impact"});
    s["ColumnContribution"] =
        Object({{"column", Text("Encoded column: a numeric field name, or field=value")},
                {"shap_value", {{"type", "number"}}}},
               {"column", "shap_value"});
    s["ExplainMetadata"] = Object({{"model_version", Text("Model that explained")},
                                   {"explanation_time_ms", {{"type", "integer"}}},
                                   {"timestamp", Timestamp()},
                                   {"warnings", Warnings()}},
                                  {"model_version", "explanation_time_ms", "timestamp"});
    s["ExplainResponse"] = Object(
        {{"top_features",
          {{"type", "array"},
           {"items", Ref("FeatureContribution")},
           {"maxItems", 5},
           {"description", "The 5 input features with the largest |SHAP value|, largest first"}}},
         {"columns",
          {{"type", "array"},
           {"items", Ref("ColumnContribution")},
           {"description", "With ?detail=columns: every encoded column, in column order"}}},
         {"base_value",
          {{"type", "number"},
           {"description",
            "With ?detail=columns: expected log-odds; base_value plus every "
            "column's shap_value is the prediction's log-odds"}}},
         {"metadata", Ref("ExplainMetadata")}},
        {"top_features", "metadata"});
    const Json metric{{"type", "number"}, {"minimum", 0}, {"maximum", 1}};
    s["ModelInfo"] = Object(
        {{"model_version", Text("Model version")},
         {"training_date", Text("When the model was trained (ISO 8601)")},
         {"performance_metrics",
          Object({{"accuracy", metric},
                  {"precision", metric},
                  {"recall", metric},
                  {"f1_score", metric},
                  {"roc_auc", metric}},
                 {"accuracy", "precision", "recall", "f1_score", "roc_auc"})},
         {"features_required", Object({{"numeric",
                                        {{"type", "array"},
                                         {"items", {{"type", "string"}}},
                                         {"examples", Json::array({NumericFieldNames()})}}},
                                       {"categorical",
                                        {{"type", "array"},
                                         {"items", {{"type", "string"}}},
                                         {"examples", Json::array({CategoricalFieldNames()})}}}},
                                      {"numeric", "categorical"})}},
        {"model_version", "training_date", "performance_metrics", "features_required"});
    s["ModelInfo"]["properties"]["features_optional"] = {
        {"type", "array"},
        {"items", Ref("OptionalFeature")},
        {"description", "Inputs the version accepts but imputes when absent"}};
    s["OptionalFeature"] = Object(
        {{"name", Text("Input name")},
         {"kind", {{"type", "string"}, {"enum", {"categorical"}}}},
         {"description", Text("What the input is")},
         {"values", {{"type", "array"}, {"items", {{"type", "string"}}}}},
         {"aliases",
          {{"type", "object"},
           {"additionalProperties", {{"type", "string"}}},
           {"description", "Accepted spelling → training value"}}},
         {"imputed_with", Text("The most frequent training value, used when the input is absent")}},
        {"name", "kind", "description", "values", "aliases", "imputed_with"});
    s["ModelInfo"]["properties"]["performance_metrics"]["description"] =
        "Cross-validated means, 3 decimals";
    const Json& described = s["ModelInfo"]["properties"];
    s["ModelVersion"] = Object(
        {{"name", Text("Version name: the folder under the model repository")},
         {"state",
          {{"type", "string"},
           {"enum", {"default", "shadow", "loaded", "failed"}},
           {"description",
            "default: scores requests naming no version; shadow: also scores every prediction "
            "of another version, logged apart, never answered; failed: not served"}}},
         {"reason", Text("Why the version failed its checks (failed only)")},
         {"reload_refused",
          Text("Why a reload refused this version's changed files; the model loaded before "
               "serves on")},
         {"training_date", described["training_date"]},
         {"features_required", described["features_required"]},
         {"features_optional", described["features_optional"]},
         {"performance_metrics", described["performance_metrics"]}},
        {"name", "state"});
    s["ModelList"] = Object(
        {{"default",
          {{"type", {"string", "null"}}, {"description", "The default version; null: none"}}},
         {"shadow",
          {{"type", {"string", "null"}}, {"description", "The shadow version; null: none"}}},
         {"models", {{"type", "array"}, {"items", Ref("ModelVersion")}}}},
        {"default", "shadow", "models"});
    s["ReloadReport"] = Object(
        {{"default",
          {{"type", {"string", "null"}}, {"description", "The default after the reload"}}},
         {"shadow", {{"type", {"string", "null"}}, {"description", "The shadow after the reload"}}},
         {"changes",
          {{"type", "array"},
           {"description", "What changed; empty: the repository was as loaded"},
           {"items",
            Object({{"version", Text("The version (empty: the choice of a default or shadow)")},
                    {"action",
                     {{"type", "string"},
                      {"enum",
                       {"added", "replaced", "removed", "failed", "refused", "default", "shadow"}},
                      {"description",
                       "refused: the change was not made and what served before serves on; "
                       "default, shadow: the default or the shadow moved to this version "
                       "(shadow with no version: no shadow any more)"}}},
                    {"reason", Text("Why (failed and refused only)")}},
                   {"version", "action"})}}},
         {"refused", {{"type", "integer"}, {"description", "Changes refused or failed"}}}},
        {"default", "shadow", "changes", "refused"});
    V2Schemas(s);
    WhatIfSchemas(s, info);
    s["Health"] = Object({{"status", {{"type", "string"}, {"enum", {"healthy", "unhealthy"}}}},
                          {"model_loaded", {{"type", "boolean"}}},
                          {"model_version", {{"type", {"string", "null"}}}},
                          {"timestamp", Timestamp()}},
                         {"status", "model_loaded", "model_version", "timestamp"});
    s["Status"] = Object({{"status", Text("ok, or what is not ready")}}, {"status"});
    OperationsSchemas(s);
    MonitoringSchemas(s);
    s["ValidationError"] =
        Object({{"loc",
                 {{"type", "array"},
                  {"items", {{"anyOf", {{{"type", "string"}}, {{"type", "integer"}}}}}},
                  {"description", "Where: \"body\", then field names and list indexes"}}},
                {"msg", Text("The rule broken; never the submitted value")},
                {"type", Text("Machine-readable kind (missing, int_type, enum, ...)")}},
               {"loc", "msg", "type"});
    s["HTTPValidationError"] =
        Object({{"detail", {{"type", "array"}, {"items", Ref("ValidationError")}}}}, {"detail"});
    s["Error"] = Object({{"detail", Text("What went wrong")}}, {"detail"});
    return s;
}

Json JsonContent(Json schema) { return Json{{"application/json", {{"schema", schema}}}}; }

Json Reply(std::string_view description, std::string_view schema) {
    return Json{{"description", description}, {"content", JsonContent(Ref(schema))}};
}

Json ResponseObject(const ResponseDoc& doc) {
    if (doc.schema.empty()) {
        const bool json = doc.media_type == "application/json";
        return Json{
            {"description", doc.description},
            {"content", {{doc.media_type, {{"schema", {{"type", json ? "object" : "string"}}}}}}}};
    }
    return Json{{"description", doc.description},
                {"content", {{doc.media_type, {{"schema", Ref(doc.schema)}}}}}};
}

Json BearerRequirement() {
    Json requirement = Json::object();
    requirement["bearerAuth"] = Json::array();
    return requirement;
}

// What every route of a kind can answer besides its own responses, and who may call it: the
// route's declaration says its kind, so the document cannot forget a status the server sends.
void AddSharedResponses(const Route& route, Json& operation) {
    auto& responses = operation["responses"];
    const auto add = [&responses](int status, std::string_view description,
                                  std::string_view schema) {
        const auto key = std::to_string(status);
        if (!responses.contains(key)) responses[key] = Reply(description, schema);
    };
    // The Open Inference Protocol's routes answer every error as {"error": ...}, and invalid
    // input with a 400 (http/problem.hpp).
    const bool v2 = DialectOf(route.path) == ErrorDialect::kOpenInference;
    const std::string_view error = v2 ? "V2Error" : "Error";
    add(400, "Malformed request (framing, Host, Transfer-Encoding)", error);
    add(429, "Rate limit of the route's group exceeded (Retry-After says when to retry)", error);
    add(500, "Internal error (details only in the server log)", error);
    if (route.logging == Logging::kPredictionLog) {
        add(413, "Body larger than the limit", error);
        add(415, "Body is not application/json", error);
        if (!v2) add(422, "Invalid input: one entry per problem", "HTTPValidationError");
        add(503, "No model loaded, or the prediction log is unavailable", error);
    }
    auto& security = operation["security"];
    security = Json::array();
    switch (route.access) {
        case Access::kOpen:
            break;  // security: [] — no credentials
        case Access::kApiKey:
            security.push_back(BearerRequirement());
            add(401, "Missing or invalid API key", error);
            add(403, "No API keys configured on the service (OC5_API_KEYS_FILE)", error);
            break;
        case Access::kApiKeyIfConfigured:
        case Access::kApiKeyIfRequired:
            // Open on a service without keys (or without --require-api-key), keyed otherwise.
            security.push_back(Json::object());
            security.push_back(BearerRequirement());
            add(401, "Missing or invalid API key (when the service requires one)", error);
            break;
    }
}

Json OperationObject(const Route& route, const domain::Vocabulary& vocabulary) {
    const auto& op = *route.operation;
    Json operation{{"summary", op.summary},
                   {"operationId", op.operation_id},
                   {"tags", Json::array({op.tag})},
                   {"responses", Json::object()}};
    if (!op.request_schema.empty()) {
        Json media{{"schema", Ref(op.request_schema)}};
        if (op.request_example) media["example"] = op.request_example(vocabulary);
        operation["requestBody"] = {{"required", true},
                                    {"content", {{"application/json", std::move(media)}}}};
    }
    if (!op.parameters.empty()) operation["parameters"] = op.parameters;
    for (const auto& response : op.responses) {
        operation["responses"][std::to_string(response.status)] = ResponseObject(response);
    }
    AddSharedResponses(route, operation);
    return operation;
}

Json Paths(std::span<const Route> routes, const domain::Vocabulary& vocabulary) {
    Json paths = Json::object();
    for (const auto& route : routes) {
        if (!route.operation) continue;
        std::string method(bhttp::to_string(route.verb));
        for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        paths[route.path][method] = OperationObject(route, vocabulary);
    }
    return paths;
}

}  // namespace

Json ExampleEmployee(const domain::Vocabulary& vocabulary) { return EmployeeExample(vocabulary); }

Json ExampleBatch(const domain::Vocabulary& vocabulary) {
    const Json employee = EmployeeExample(vocabulary);
    Json items = Json::array();
    for (const char* id : {"E001", "E002"}) {
        Json item = employee;
        item["employee_id"] = id;
        items.push_back(std::move(item));
    }
    for (std::size_t c = 0; c < domain::kCategoricalCount; ++c) {  // vary the second one
        items[1][std::string(domain::CategoricalFields()[c].name)] = vocabulary.Values(c).back();
    }
    return Json{{"employees", std::move(items)}};
}

std::string BuildOpenApiDocument(const domain::Vocabulary& vocabulary,
                                 const OpenApiInfo& info,
                                 std::span<const Route> routes) {
    std::string description =
        "Predicts whether an employee will leave (XGBoost) and explains the prediction (SHAP). "
        "Invalid input is a 422 listing every problem; categorical values are checked against "
        "the model's vocabulary, with the aliases named in each field's description.";
    description += info.model_version ? fmt::format(" Model version: {}.", *info.model_version)
                                      : std::string(" No model loaded.");
    const Json document{
        {"openapi", "3.1.0"},
        {"info",
         {{"title", info.title},
          {"version", info.version},
          {"description", description},
          {"license", {{"name", "Apache-2.0"}, {"identifier", "Apache-2.0"}}}}},
        {"servers", Json::array({{{"url", "/"}, {"description", "This service"}}})},
        {"paths", Paths(routes, vocabulary)},
        {"components",
         {{"schemas", Schemas(vocabulary, info)},
          {"securitySchemes",
           {{"bearerAuth",
             {{"type", "http"},
              {"scheme", "bearer"},
              {"description",
               "An API key whose SHA-256 is in the service's OC5_API_KEYS_FILE (attrition keys "
               "generate)"}}}}}}}};
    return document.dump();
}

}  // namespace attrition::http
