// `attrition model-card --model model/xgb_enhanced_v2.1 [--out FILE]`: writes the model card of
// one artifact folder (model::ModelCard, Markdown) to FILE or stdout. The committed cards in
// docs/model-cards/ are made this way and checked against the artifacts by a test. Exit status
// 0, or 1 when the artifact cannot be read or the output written.
#pragma once

#include <string>

namespace attrition::app {

struct ModelCardConfig {
    std::string model_dir;       // an artifact folder (booster.json + metadata.json)
    std::string out_path = "-";  // "-": standard output
};

int RunModelCard(const ModelCardConfig& config);

}  // namespace attrition::app
