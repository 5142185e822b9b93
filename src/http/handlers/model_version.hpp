// Where a v1 or monitoring request names the model version it wants: the X-Model-Version header,
// else the model_version query parameter (V2 names it in the path). The choice itself is
// serving::ResolveVersion's, the same for every route.
#pragma once

#include <optional>
#include <string_view>

#include "base/error.hpp"
#include "http/net.hpp"
#include "model/repository.hpp"

namespace attrition::http::handlers {

inline constexpr std::string_view kModelVersionHeader = "X-Model-Version";
inline constexpr std::string_view kModelVersionParameter = "model_version";

// The version named by the request: its header when set, else `from_query` (the parameter as
// the route's query parser read it); empty for the default.
inline std::string_view RequestedVersion(const Request& request,
                                         std::optional<std::string_view> from_query) {
    const std::string_view header = request[kModelVersionHeader];
    return header.empty() ? from_query.value_or("") : header;
}

// The model a v1 request asks for: RequestedVersion, the parameter read by ParseQuery, chosen by
// serving::ResolveVersion (404 naming the loaded versions, 503 without a default);
// kInvalidInput for a query ParseQuery refuses (a repeated parameter). Lives as long as `models`.
base::Result<const model::ServedModel*> ChooseVersion(const Request& request,
                                                      const model::Repository& models);

}  // namespace attrition::http::handlers
