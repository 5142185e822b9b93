// A model card (Mitchell et al., "Model Cards for Model Reporting") for one model version, in
// Markdown, generated from its artifact's metadata alone: intended use and misuse, training
// data, features and their training ranges, cross-validated metrics and calibration, the
// training-time fairness table, known limitations. Deterministic (the same metadata gives the
// same bytes), so that the committed cards are checked against the artifacts. Pure; thread-safe.
#pragma once

#include <string>

#include "model/artifact.hpp"

namespace attrition::model {

std::string ModelCard(const ModelMetadata& metadata);

}  // namespace attrition::model
