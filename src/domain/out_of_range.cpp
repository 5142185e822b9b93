#include "domain/out_of_range.hpp"

#include <fmt/format.h>

namespace attrition::domain {

std::vector<InputWarning> OutOfRangeWarnings(const Employee& employee,
                                             std::span<const double, kNumericCount> training_min,
                                             std::span<const double, kNumericCount> training_max) {
    std::vector<InputWarning> warnings;
    const auto fields = NumericFields();
    for (std::size_t i = 0; i < kNumericCount; ++i) {
        const double value = employee.numeric[i];
        const double min = training_min[i];
        const double max = training_max[i];
        const char* side = value < min ? "below" : (value > max ? "above" : nullptr);
        if (side == nullptr) continue;
        warnings.push_back(
            {InputWarning::Kind::kOutOfRange, fields[i].name,
             fmt::format("{} is {} the range seen in training ({} to {}): the model extrapolates",
                         fields[i].name, side, min, max)});
    }
    return warnings;
}

}  // namespace attrition::domain
