#include "model/snapshot.hpp"

#include <limits>
#include <nlohmann/json.hpp>

#include "domain/fields.hpp"

namespace attrition::model {

base::Result<domain::Employee> EmployeeFromSnapshot(std::string_view json,
                                                    std::span<const std::string> optional) {
    const auto snapshot = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (!snapshot.is_object()) {
        return base::Fail(base::ErrorCode::kInvalidInput,
                          "a features snapshot is not a JSON object");
    }
    domain::Employee employee;
    const auto numeric = domain::NumericFields();
    for (std::size_t i = 0; i < numeric.size(); ++i) {
        const auto value = snapshot.find(numeric[i].name);
        employee.numeric[i] = value != snapshot.end() && value->is_number()
                                  ? value->get<double>()
                                  : std::numeric_limits<double>::quiet_NaN();
    }
    const auto categorical = domain::CategoricalFields();
    for (std::size_t i = 0; i < categorical.size(); ++i) {
        const auto value = snapshot.find(categorical[i].name);
        if (value != snapshot.end() && value->is_string()) {
            employee.categorical[i] = value->get<std::string>();
        }
    }
    for (const auto& name : optional) {
        const auto value = snapshot.find(name);
        if (value != snapshot.end() && value->is_string()) {
            employee.optional.push_back({name, value->get<std::string>()});
        }
    }
    return employee;
}

}  // namespace attrition::model
