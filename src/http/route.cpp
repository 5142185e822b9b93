#include "http/route.hpp"

namespace attrition::http {

std::string_view RouteGroupName(RouteGroup group) noexcept {
    switch (group) {
        case RouteGroup::kPredict:
            return "predict";
        case RouteGroup::kExplain:
            return "explain";
        case RouteGroup::kRead:
            return "read";
        case RouteGroup::kOther:
            return "other";
    }
    return "other";
}

}  // namespace attrition::http
