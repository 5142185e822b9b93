#include "app/model_card_command.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "model/artifact.hpp"
#include "model/model_card.hpp"
#include "ops/logging.hpp"

namespace attrition::app {

int RunModelCard(const ModelCardConfig& config) {
    auto metadata = model::LoadMetadata(config.model_dir);
    if (!metadata) {
        spdlog::error("msg=\"cannot read the artifact\" reason={}",
                      ops::LogValue(metadata.error().message));
        return 1;
    }
    // A card describes a version serve can load: the same name rule.
    if (const auto problem = model::VersionNameProblem(metadata->model_version)) {
        spdlog::error("msg=\"the artifact's model_version cannot name a version\" reason={}",
                      ops::LogValue(*problem));
        return 1;
    }
    const auto card = model::ModelCard(*metadata);
    if (config.out_path == "-") {
        std::cout << card << std::flush;
        return std::cout ? 0 : 1;
    }
    std::ofstream out(config.out_path, std::ios::binary | std::ios::trunc);
    out << card;
    out.close();
    if (!out) {
        spdlog::error("msg=\"cannot write the model card\" path={}",
                      ops::LogValue(config.out_path));
        return 1;
    }
    return 0;
}

}  // namespace attrition::app
