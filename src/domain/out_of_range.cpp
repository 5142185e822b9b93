#include "domain/out_of_range.hpp"

#include <fmt/format.h>

namespace attrition::domain {

std::vector<std::string> OutOfRangeWarnings(
    const Employee& employee, std::span<const TrainingRange, kNumericCount> training_ranges) {
    std::vector<std::string> warnings;
    const auto fields = NumericFields();
    for (std::size_t i = 0; i < kNumericCount; ++i) {
        const double value = employee.numeric[i];
        const auto& range = training_ranges[i];
        const char* side = value < range.min ? "below" : (value > range.max ? "above" : nullptr);
        if (side == nullptr) continue;
        warnings.push_back(
            fmt::format("{} is {} the range seen in training ({} to {}): the model extrapolates",
                        fields[i].name, side, range.min, range.max));
    }
    return warnings;
}

}  // namespace attrition::domain
