#include "http/handlers/open_inference.hpp"

#include "base/json_writer.hpp"
#include "domain/fields.hpp"
#include "http/handlers/inference_tensors.hpp"
#include "http/problem.hpp"
#include "http/router.hpp"

namespace attrition::http::handlers {
namespace {

constexpr std::string_view kVersionsSegment = "/versions/";

// The version a metadata or ready path names, or the default; null with `status` set when
// there is none.
const model::RepositoryVersion* Named(const model::Repository& models,
                                      std::string_view path,
                                      Status& status) {
    const std::string_view named = InferenceVersion(path);
    const auto* version = models.Find(named.empty() ? models.default_version : named);
    if (version == nullptr || !version->model) {
        status = named.empty() ? Status::service_unavailable : Status::not_found;
        return nullptr;
    }
    return version;
}

Response NoSuchVersion(const Request& request, const model::Repository& models, Status status) {
    return ErrorResponse(
        request,
        status == Status::not_found
            ? base::Error::Make(base::ErrorCode::kNotFound,
                                "Unknown model version; available: " + models.LoadedNames())
            : base::Error::Make(base::ErrorCode::kUnavailable, "Model not loaded"));
}

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
    Status status = Status::ok;
    const std::string_view path = Router::PathOf(request.target());
    const auto* version = Named(*models, path, status);
    if (version == nullptr) co_return NoSuchVersion(request, *models, status);
    std::string body;
    base::JsonWriter json(body);
    json.BeginObject().Key("name").String(kV2ModelName).Key("versions").BeginArray();
    if (InferenceVersion(path).empty()) {
        for (const auto& loaded : models->versions) {
            if (loaded.model) json.String(loaded.name);
        }
    } else {
        json.String(version->name);
    }
    json.EndArray().Key("platform").String("xgboost");
    json.Key("inputs").BeginArray();
    for (const auto& field : domain::NumericFields()) {
        WriteTensorMetadata(json, field.name, InputDatatype(field.name));
    }
    for (const auto& field : domain::CategoricalFields()) {
        WriteTensorMetadata(json, field.name, "BYTES");
    }
    for (const auto& group : version->model->predictor.Metadata().encoding.optional) {
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
    Status status = Status::ok;
    const auto* version = Named(*models, Router::PathOf(request.target()), status);
    if (version == nullptr) co_return NoSuchVersion(request, *models, status);
    std::string body;
    base::JsonWriter json(body);
    json.BeginObject().Key("name").String(kV2ModelName).Key("version").String(version->name);
    json.Key("ready").Bool(true).EndObject();
    co_return JsonResponse(request, Status::ok, std::move(body));
}

}  // namespace attrition::http::handlers
