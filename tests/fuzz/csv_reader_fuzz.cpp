// libFuzzer target: the TechNova CSV reader (ParseCsv, ParseNumber, ParseEmployeeNumber) and
// the join of three extracts. The input is split on two 0xFF bytes into the three files (a
// byte that no UTF-8 CSV holds), so one input can reach the join with consistent keys. Checks
// that every parsed table is rectangular and that a join yields one label per employee.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "model/technova_reader.hpp"

namespace {

void Require(bool condition) {
    if (!condition) std::abort();
}

void CheckTable(std::string_view text) {
    const auto table = attrition::model::ParseCsv(text, "fuzz.csv");
    if (!table) return;
    Require(table->rows.size() == table->line_numbers.size());
    for (const auto& row : table->rows) {
        Require(row.size() == table->header.size());
        for (const auto& field : row) {
            (void)attrition::model::ParseNumber(field);
            (void)attrition::model::ParseEmployeeNumber(field, "E_");
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    CheckTable(input);

    const auto first = input.find('\xff');
    if (first == std::string_view::npos) return 0;
    const auto second = input.find('\xff', first + 1);
    if (second == std::string_view::npos) return 0;
    const attrition::model::ExtractTexts texts{input.substr(0, first),
                                               input.substr(first + 1, second - first - 1),
                                               input.substr(second + 1)};
    const auto joined = attrition::model::JoinExtracts(texts);
    if (joined) Require(joined->employees.size() == joined->labels.size());
    return 0;
}
