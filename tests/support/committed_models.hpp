// The model versions committed in the repository's model/ folder (v1, the default, and v2 with
// the optional frequence_deplacement), for tests that check each of them.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "model/repository.hpp"

namespace attrition::test {

inline constexpr std::array<std::string_view, 2> kCommittedVersions{"xgb_enhanced_v2.0",
                                                                    "xgb_enhanced_v2.1"};

// A version as a GoogleTest parameter name ('.' is not allowed there).
inline std::string VersionTestName(std::string_view version) {
    std::string name(version);
    for (char& c : name) {
        if (c == '.') c = '_';
    }
    return name;
}

// The repository of model/ (ATTRITION_SOURCE_DIR's), every committed version loaded.
inline model::Repository CommittedRepository() {
    const char* source = std::getenv("ATTRITION_SOURCE_DIR");
    EXPECT_NE(source, nullptr) << "ATTRITION_SOURCE_DIR names the source tree";
    return model::LoadRepository(std::filesystem::path(source != nullptr ? source : ".") / "model",
                                 {})
        .value();
}

}  // namespace attrition::test
