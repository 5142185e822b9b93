// A synthetic TechNova dataset in the three-extract format, so model tests run without the real
// data: a UTF-8 BOM on the survey file, "E_<n>" evaluation keys, survey codes zero-padded to
// varying widths, "11 %" percent strings, CRLF line ends on the evaluation file, a quoted
// field, every categorical value of the contract, and a label with a learnable signal
// (overtime, low satisfaction, youth and distance raise the risk). Deterministic for a seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace attrition::test {

struct SyntheticOptions {
    std::size_t rows = 400;
    std::uint64_t seed = 7;
};

struct SyntheticTexts {
    std::string sirh;
    std::string eval;
    std::string sondage;
    std::size_t rows = 0;
    std::size_t positives = 0;  // rows labelled "Oui"
};

SyntheticTexts MakeSyntheticTechnova(const SyntheticOptions& options = {});

// Writes extrait_sirh.csv, extrait_eval.csv and extrait_sondage.csv into `dir` (created).
// Throws std::runtime_error on an I/O failure (test setup).
SyntheticTexts WriteSyntheticTechnova(const std::filesystem::path& dir,
                                      const SyntheticOptions& options = {});

}  // namespace attrition::test
