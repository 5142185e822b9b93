#include "http/openapi.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "domain/fields.hpp"

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
    const auto& field = domain::CategoricalFields()[c];
    if (const auto canonical = vocabulary.Canonical(c, field.categorical_example)) {
        return std::string(*canonical);
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

Json CategoricalProperty(const domain::Vocabulary& vocabulary, std::size_t c) {
    const auto& field = domain::CategoricalFields()[c];
    std::string description(field.description);
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

Json EmployeeSchema(const domain::Vocabulary& vocabulary, bool id_required) {
    Json properties = Json::object();
    Json required = Json::array();
    for (const auto& field : domain::NumericFields()) {
        properties[std::string(field.name)] = NumericProperty(field);
        required.push_back(field.name);
    }
    for (std::size_t c = 0; c < domain::kCategoricalCount; ++c) {
        const auto name = domain::CategoricalFields()[c].name;
        properties[std::string(name)] = CategoricalProperty(vocabulary, c);
        required.push_back(name);
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

Json ExampleEmployee(const domain::Vocabulary& vocabulary) {
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
         {"spool",
          Object({{"bytes", integer}, {"max_bytes", integer}, {"has_room", {{"type", "boolean"}}}},
                 {"bytes", "max_bytes", "has_room"})},
         {"detail", Text("What is not ready (only when not ready)")}},
        {"status", "model_loaded", "database", "spool"});
    s["RiskCounts"] = Object({{"LOW", integer}, {"MEDIUM", integer}, {"HIGH", integer}},
                             {"LOW", "MEDIUM", "HIGH"});
    s["HistoryItem"] =
        Object({{"id", {{"type", "string"}, {"format", "uuid"}}},
                {"request_id", {{"type", "string"}, {"format", "uuid"}}},
                {"created_at", Timestamp()},
                {"prediction_date", Timestamp()},
                {"employee_id", {{"type", {"string", "null"}}}},
                {"attrition_prob", probability},
                {"risk_level", {{"type", "string"}, {"enum", {"LOW", "MEDIUM", "HIGH"}}}},
                {"model_version", {{"type", "string"}}},
                {"endpoint", {{"type", "string"}}}},
               {"id", "request_id", "created_at", "prediction_date", "employee_id",
                "attrition_prob", "risk_level", "model_version", "endpoint"});
    s["HistoryPage"] =
        Object({{"items", {{"type", "array"}, {"items", Ref("HistoryItem")}}},
                {"limit", integer},
                {"next_cursor",
                 {{"type", {"string", "null"}},
                  {"description", "Pass as ?cursor= for the next page; null on the last page"}}}},
               {"items", "limit", "next_cursor"});
    s["DayStats"] = Object({{"date", {{"type", "string"}, {"format", "date"}}},
                            {"total", integer},
                            {"by_risk_level", Ref("RiskCounts")},
                            {"mean_attrition_prob", probability}},
                           {"date", "total", "by_risk_level", "mean_attrition_prob"});
    s["Stats"] =
        Object({{"days", integer},
                {"since", Timestamp()},
                {"total", integer},
                {"by_risk_level", Ref("RiskCounts")},
                {"mean_attrition_prob", probability},
                {"per_day", {{"type", "array"}, {"items", Ref("DayStats")}}}},
               {"days", "since", "total", "by_risk_level", "mean_attrition_prob", "per_day"});
    s["Erasure"] =
        Object({{"employee_id", {{"type", "string"}}},
                {"predictions_deleted", integer},
                {"requests_deleted", integer},
                {"requests_redacted", integer}},
               {"employee_id", "predictions_deleted", "requests_deleted", "requests_redacted"});
}

Json Schemas(const domain::Vocabulary& vocabulary, const OpenApiInfo& info) {
    Json s = Json::object();
    s["Employee"] = EmployeeSchema(vocabulary, false);
    s["BatchEmployee"] = EmployeeSchema(vocabulary, true);
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
    s["ModelInfo"]["properties"]["performance_metrics"]["description"] =
        "Cross-validated means, 3 decimals";
    s["Health"] = Object({{"status", {{"type", "string"}, {"enum", {"healthy", "unhealthy"}}}},
                          {"model_loaded", {{"type", "boolean"}}},
                          {"model_version", {{"type", {"string", "null"}}}},
                          {"timestamp", Timestamp()}},
                         {"status", "model_loaded", "model_version", "timestamp"});
    s["Status"] = Object({{"status", Text("ok, or what is not ready")}}, {"status"});
    OperationsSchemas(s);
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

// Responses every POST endpoint shares besides its 200.
void AddPostErrors(Json& responses) {
    responses["413"] = Reply("Body larger than the limit", "Error");
    responses["415"] = Reply("Body is not application/json", "Error");
    responses["422"] = Reply("Invalid input: one entry per problem", "HTTPValidationError");
    responses["503"] = Reply("No model loaded, or the prediction log is unavailable", "Error");
    responses["500"] = Reply("Internal error (details only in the server log)", "Error");
}

Json Post(std::string_view summary,
          std::string_view operation_id,
          std::string_view request_schema,
          Json example,
          std::string_view response_schema) {
    Json operation{
        {"summary", summary},
        {"operationId", operation_id},
        {"tags", Json::array({"predictions"})},
        {"requestBody",
         {{"required", true},
          {"content",
           {{"application/json", {{"schema", Ref(request_schema)}, {"example", example}}}}}}},
        {"responses", {{"200", Reply("Success", response_schema)}}}};
    AddPostErrors(operation["responses"]);
    return operation;
}

Json Get(std::string_view summary,
         std::string_view operation_id,
         std::string_view tag,
         Json responses) {
    return Json{{"get",
                 {{"summary", summary},
                  {"operationId", operation_id},
                  {"tags", Json::array({tag})},
                  {"responses", std::move(responses)}}}};
}

Json BearerRequirement() {
    Json requirement = Json::object();
    requirement["bearerAuth"] = Json::array();
    return requirement;
}

// Keyed operator endpoints: 401 without a valid key, 403 when no keys file is configured.
Json Keyed(Json operation) {
    operation["security"] = Json::array();
    operation["security"].push_back(BearerRequirement());
    auto& responses = operation["responses"];
    responses["401"] = Reply("Missing or invalid API key", "Error");
    responses["403"] = Reply("No API keys configured on the service (OC5_API_KEYS_FILE)", "Error");
    responses["422"] = Reply("Invalid query", "HTTPValidationError");
    responses["503"] = Reply("Prediction log off or database unavailable", "Error");
    return operation;
}

Json QueryParameter(std::string_view name, std::string_view description, Json schema) {
    return Json{{"name", name},
                {"in", "query"},
                {"required", false},
                {"description", description},
                {"schema", std::move(schema)}};
}

void AddOperationsPaths(Json& paths) {
    const Json text{{"type", "string"}};
    auto history = Keyed(Get("History of logged predictions, newest first (keyset pages)",
                             "list_predictions", "log", {{"200", Reply("One page", "HistoryPage")}})
                             .at("get"));
    history["parameters"] = Json::array(
        {QueryParameter("employee_id", "Only this employee", text),
         QueryParameter("risk_level", "Only this risk level",
                        {{"type", "string"}, {"enum", {"LOW", "MEDIUM", "HIGH"}}}),
         QueryParameter("since", "created_at >= since (ISO 8601 date, or date-time with a zone)",
                        text),
         QueryParameter("until", "created_at < until (ISO 8601)", text),
         QueryParameter("cursor", "next_cursor of the previous page", text),
         QueryParameter(
             "limit", "Rows per page",
             {{"type", "integer"}, {"minimum", 1}, {"maximum", 500}, {"default", 100}})});
    paths["/api/v1/predictions"]["get"] = std::move(history);

    auto stats = Keyed(Get("Predictions per risk level and per day, with mean probability",
                           "prediction_stats", "log", {{"200", Reply("Statistics", "Stats")}})
                           .at("get"));
    stats["parameters"] = Json::array({QueryParameter(
        "days", "Window: today (UTC) and the days-1 before it",
        {{"type", "integer"}, {"minimum", 1}, {"maximum", 3650}, {"default", 30}})});
    paths["/api/v1/stats"]["get"] = std::move(stats);

    Json erase{
        {"summary", "GDPR erasure: delete an employee's predictions and request payloads"},
        {"operationId", "erase_employee"},
        {"tags", Json::array({"log"})},
        {"parameters",
         Json::array({{{"name", "employee_id"},
                       {"in", "path"},
                       {"required", true},
                       {"schema", {{"type", "string"}, {"minLength", 1}, {"maxLength", 50}}}}})},
        {"responses", {{"200", Reply("What was deleted", "Erasure")}}}};
    paths["/api/v1/employees/{employee_id}/predictions"]["delete"] = Keyed(std::move(erase));
}

Json Paths(const domain::Vocabulary& vocabulary, const OpenApiInfo& info) {
    const Json employee = ExampleEmployee(vocabulary);
    Json batch_items = Json::array();
    for (const char* id : {"E001", "E002"}) {
        Json item = employee;
        item["employee_id"] = id;
        batch_items.push_back(std::move(item));
    }
    for (std::size_t c = 0; c < domain::kCategoricalCount; ++c) {  // vary the second one
        batch_items[1][std::string(domain::CategoricalFields()[c].name)] =
            vocabulary.Values(c).back();
    }

    Json paths = Json::object();
    paths["/health"] =
        Get("Service and model status", "health", "health", {{"200", Reply("Status", "Health")}});
    paths["/livez"] = Get("Liveness: the process answers", "livez", "health",
                          {{"200", Reply("Alive", "Status")}});
    paths["/readyz"] =
        Get("Readiness: model loaded and prediction log writable", "readyz", "health",
            {{"200", Reply("Ready", "Readiness")}, {"503", Reply("Not ready", "Readiness")}});
    Json metrics_responses = Json::object();
    metrics_responses["200"] = {
        {"description", "Prometheus text exposition format 0.0.4"},
        {"content", {{"text/plain; version=0.0.4", {{"schema", {{"type", "string"}}}}}}}};
    metrics_responses["401"] =
        Reply("Keys are configured and the request has no valid one", "Error");
    paths["/metrics"] = Get("Prometheus metrics", "metrics", "health", metrics_responses);
    // Open when the service has no OC5_API_KEYS_FILE (local use), keyed otherwise.
    auto& metrics_security = paths["/metrics"]["get"]["security"];
    metrics_security = Json::array();
    metrics_security.push_back(Json::object());
    metrics_security.push_back(BearerRequirement());
    AddOperationsPaths(paths);
    paths["/api/v1/model/info"] =
        Get("The loaded model: version, training date, CV metrics, features", "model_info", "model",
            {{"200", Reply("Model description", "ModelInfo")},
             {"503", Reply("No model loaded", "Error")}});
    paths["/api/v1/predict"]["post"] = Post("Attrition risk of one employee", "predict", "Employee",
                                            employee, "PredictionResponse");
    paths["/api/v1/predict/batch"]["post"] =
        Post(fmt::format("Attrition risk of 1 to {} employees, in request order", info.batch_limit),
             "predict_batch", "BatchRequest", Json{{"employees", batch_items}}, "BatchResponse");
    auto explain = Post("The 5 input features that weigh most on one prediction (SHAP)", "explain",
                        "Employee", employee, "ExplainResponse");
    explain["parameters"] = Json::array(
        {{{"name", "detail"},
          {"in", "query"},
          {"required", false},
          {"description", "columns: add every encoded column's SHAP value and the base value"},
          {"schema", {{"type", "string"}, {"enum", Json::array({"columns"})}}}}});
    paths["/api/v1/explain"]["post"] = std::move(explain);
    return paths;
}

}  // namespace

std::string BuildOpenApiDocument(const domain::Vocabulary& vocabulary, const OpenApiInfo& info) {
    std::string description =
        "Predicts whether an employee will leave (XGBoost) and explains the prediction (SHAP). "
        "Invalid input is a 422 listing every problem; categorical values are checked against "
        "the model's vocabulary, with the aliases named in each field's description.";
    description += info.model_version ? fmt::format(" Model version: {}.", *info.model_version)
                                      : std::string(" No model loaded.");
    const Json document{
        {"openapi", "3.1.0"},
        {"info", {{"title", info.title}, {"version", info.version}, {"description", description}}},
        {"paths", Paths(vocabulary, info)},
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
