// The OpenAPI 3.1 document of the service (served at /openapi.json), generated from the field
// table and the model's vocabulary so the docs can never disagree with the validator: types,
// ranges, enums of canonical categorical values (aliases named in the descriptions), request
// examples that pass the validator, the exact response shapes of SPEC §2 and the error
// schemas, and every route's operation as declared (http/routes.cpp). The pages and static
// assets are not in it. Build once at startup and
// serve the string; a pure function, thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "domain/validation.hpp"
#include "domain/vocabulary.hpp"
#include "http/route.hpp"
#include "model/actions.hpp"

namespace attrition::http {

// An optional input some loaded version takes (its vocabulary is in the document's).
struct OptionalInputDoc {
    std::string name;
    std::string description;
    std::string versions;  // the versions that take it, comma-separated
    std::string imputed_with;
};

struct OpenApiInfo {
    std::string title = "Attrition API";
    std::string version;                       // the service's version
    std::optional<std::string> model_version;  // the loaded model, when there is one
    std::size_t batch_limit = domain::kDefaultBatchLimit;
    std::vector<OptionalInputDoc> optional_inputs;
    model::ActionSpace actions;  // the default version's (the example of every version's)
};

// The document as compact JSON: paths from the routes that have an operation, each with the
// responses its kind shares (AddSharedResponses) and its security. The vocabulary's optional
// inputs (described by info.optional_inputs) are optional properties of the employee schemas.
std::string BuildOpenApiDocument(const domain::Vocabulary& vocabulary,
                                 const OpenApiInfo& info,
                                 std::span<const Route> routes);

// Request examples that pass the validator: one employee in the table's example values (the
// vocabulary's canonical spelling), and a batch of two.
nlohmann::json ExampleEmployee(const domain::Vocabulary& vocabulary);
nlohmann::json ExampleBatch(const domain::Vocabulary& vocabulary);

}  // namespace attrition::http
