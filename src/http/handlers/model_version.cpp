#include "http/handlers/model_version.hpp"

#include "http/query.hpp"
#include "serving/version.hpp"

namespace attrition::http::handlers {

base::Result<const model::ServedModel*> ChooseVersion(const Request& request,
                                                      const model::Repository& models) {
    const auto query = ParseQuery(request.target());
    if (!query) return tl::unexpected(query.error());
    return serving::ResolveVersion(
        models, RequestedVersion(request, FindParameter(*query, kModelVersionParameter)));
}

}  // namespace attrition::http::handlers
