#include "http/handlers/open_inference.hpp"

#include "base/json_writer.hpp"
#include "domain/fields.hpp"
#include "http/handlers/inference_tensors.hpp"
#include "http/problem.hpp"
#include "http/router.hpp"
#include "serving/version.hpp"

namespace attrition::http::handlers {
namespace {

constexpr std::string_view kVersionsSegment = "/versions/";

void WriteTensorMetadata(base::JsonWriter& json, std::string_view name, std::string_view datatype) {
    json.BeginObject().Key("name").String(name).Key("datatype").String(datatype);
    json.Key("shape").BeginArray().Int(-1).EndArray().EndObject();
}

// An optional input: may be left out (then imputed with `imputed_with`).
void WriteOptionalTensorMetadata(base::JsonWriter& json,
                                 std::string_view name,
                                 std::string_view imputed_with) {
    json.BeginObject().Key("name").String(name).Key("datatype").String("BYTES");
    json.Key("shape").BeginArray().Int(-1).EndArray();
    json.Key("parameters").BeginObject().Key("optional").Bool(true);
    json.Key("imputed_with").String(imputed_with).EndObject().EndObject();
}

}  // namespace

std::string_view InferenceVersion(std::string_view path) {
    if (!path.starts_with(kV2ModelPath)) return {};
    path.remove_prefix(kV2ModelPath.size());
    if (!path.starts_with(kVersionsSegment)) return {};
    path.remove_prefix(kVersionsSegment.size());
    return path.substr(0, path.find('/'));
}

OpenInference::OpenInference(const model::Catalog& models,
                             std::function<bool()> ready,
                             std::string server_version,
                             std::size_t max_batch_size)
    : models_(models),
      ready_(std::move(ready)),
      server_version_(std::move(server_version)),
      max_batch_size_(max_batch_size) {}

Awaitable<Response> OpenInference::ServerMetadata(const Request& request,
                                                  RequestContext& /*context*/) const {
    std::string body;
    base::JsonWriter json(body);
    json.BeginObject().Key("name").String("attrition").Key("version").String(server_version_);
    json.Key("extensions").BeginArray().EndArray().EndObject();
    co_return JsonResponse(request, Status::ok, std::move(body));
}

Awaitable<Response> OpenInference::Live(const Request& request, RequestContext& /*context*/) const {
    co_return JsonResponse(request, Status::ok, R"({"live":true})");
}

Awaitable<Response> OpenInference::Ready(const Request& request,
                                         RequestContext& /*context*/) const {
    const bool ready = ready_();
    co_return JsonResponse(request, ready ? Status::ok : Status::service_unavailable,
                           ready ? R"({"ready":true})" : R"({"ready":false})");
}

Awaitable<Response> OpenInference::ModelMetadata(const Request& request,
                                                 RequestContext& /*context*/) const {
    const auto models = models_.Current();
    const std::string_view named = InferenceVersion(Router::PathOf(request.target()));
    const auto model = serving::ResolveVersion(*models, named);
    if (!model) co_return ErrorResponse(request, model.error());
    std::string body;
    base::JsonWriter json(body);
    json.BeginObject().Key("name").String(kV2ModelName).Key("versions").BeginArray();
    if (named.empty()) {
        for (const auto& loaded : models->versions) {
            if (loaded.model) json.String(loaded.name);
        }
    } else {
        json.String((*model)->predictor.Version());
    }
    json.EndArray().Key("platform").String("xgboost");
    json.Key("inputs").BeginArray();
    for (const auto& field : domain::NumericFields()) {
        WriteTensorMetadata(json, field.name, InputDatatype(field.name));
    }
    for (const auto& field : domain::CategoricalFields()) {
        WriteTensorMetadata(json, field.name, "BYTES");
    }
    for (const auto& group : (*model)->predictor.Metadata().encoding.optional) {
        WriteOptionalTensorMetadata(json, group.name, group.mode);
    }
    WriteTensorMetadata(json, kEmployeeIdInput, "BYTES");
    json.EndArray().Key("outputs").BeginArray();
    WriteTensorMetadata(json, kOutputProbability, "FP64");
    WriteTensorMetadata(json, kOutputWillLeave, "BOOL");
    WriteTensorMetadata(json, kOutputRiskLevel, "BYTES");
    // Every tensor's shape is [-1]: any number of rows, up to this many in one request.
    json.EndArray().Key("parameters").BeginObject();
    json.Key("max_batch_size").Uint(max_batch_size_).EndObject().EndObject();
    co_return JsonResponse(request, Status::ok, std::move(body));
}

Awaitable<Response> OpenInference::ModelReady(const Request& request,
                                              RequestContext& /*context*/) const {
    const auto models = models_.Current();
    const auto model =
        serving::ResolveVersion(*models, InferenceVersion(Router::PathOf(request.target())));
    if (!model) co_return ErrorResponse(request, model.error());
    std::string body;
    base::JsonWriter json(body);
    json.BeginObject()
        .Key("name")
        .String(kV2ModelName)
        .Key("version")
        .String((*model)->predictor.Version());
    json.Key("ready").Bool(true).EndObject();
    co_return JsonResponse(request, Status::ok, std::move(body));
}

std::string InferResponse(const InferRequest& request,
                          std::string_view version,
                          std::span<const model::Prediction> predictions) {
    std::string body;
    body.reserve(256 + 48 * predictions.size());
    base::JsonWriter json(body);
    json.BeginObject().Key("model_name").String(kV2ModelName);
    json.Key("model_version").String(version);
    if (request.id) json.Key("id").String(*request.id);
    json.Key("outputs").BeginArray();
    for (const auto& output : request.outputs) {
        json.BeginObject().Key("name").String(output).Key("datatype");
        json.String(output == kOutputProbability ? "FP64"
                    : output == kOutputWillLeave ? "BOOL"
                                                 : "BYTES");
        json.Key("shape").BeginArray().Uint(predictions.size()).EndArray();
        json.Key("data").BeginArray();
        for (const auto& prediction : predictions) {
            if (output == kOutputProbability) {
                json.Double(prediction.probability);
            } else if (output == kOutputWillLeave) {
                json.Bool(prediction.will_leave);
            } else {
                json.String(model::RiskLevelName(prediction.risk));
            }
        }
        json.EndArray().EndObject();
    }
    json.EndArray().EndObject();
    return body;
}

}  // namespace attrition::http::handlers
