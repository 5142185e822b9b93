#include "domain/category_aliases.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "domain/fields.hpp"

namespace attrition::domain {
namespace {

struct Row {
    std::string feature, alias, canonical;
    bool operator==(const Row&) const = default;
};

std::vector<std::string> SplitCsvLine(const std::string& line) {
    std::vector<std::string> cells;
    std::string cell;
    for (const char c : line) {
        if (c == ',') {
            cells.push_back(cell);
            cell.clear();
        } else if (c != '\r') {
            cell += c;
        }
    }
    cells.push_back(cell);
    return cells;
}

TEST(CategoryAliasesTest, EmbeddedTableEqualsSharedCsv) {
    const char* source_dir = std::getenv("ATTRITION_SOURCE_DIR");
    if (source_dir == nullptr) GTEST_SKIP() << "ATTRITION_SOURCE_DIR unset (CTest sets it)";
    const std::string path = std::string(source_dir) + "/../shared/data/category_aliases.csv";
    std::ifstream csv(path);
    if (!csv) GTEST_SKIP() << "no " << path << ": the embedded table is not compared";

    std::string line;
    ASSERT_TRUE(std::getline(csv, line));
    EXPECT_EQ(SplitCsvLine(line), (std::vector<std::string>{"feature", "alias", "canonical"}));
    std::vector<Row> expected;
    while (std::getline(csv, line)) {
        if (line.empty() || line == "\r") continue;
        ASSERT_EQ(line.find('"'), std::string::npos) << "quoted CSV cells need a real parser";
        const auto cells = SplitCsvLine(line);
        ASSERT_EQ(cells.size(), 3U) << line;
        expected.push_back(Row{cells[0], cells[1], cells[2]});
    }
    std::vector<Row> embedded;
    for (const auto& alias : CategoryAliases()) {
        embedded.push_back(Row{std::string(alias.feature), std::string(alias.alias),
                               std::string(alias.canonical)});
    }
    ASSERT_EQ(embedded.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(embedded[i], expected[i])
            << "row " << i + 1 << ": " << expected[i].feature << "," << expected[i].alias;
    }
}

TEST(CategoryAliasesTest, EveryAliasNamesACategoricalField) {
    ASSERT_FALSE(CategoryAliases().empty());
    for (const auto& alias : CategoryAliases()) {
        EXPECT_TRUE(CategoricalIndex(alias.feature).has_value()) << alias.feature;
        EXPECT_FALSE(alias.alias.empty());
        EXPECT_FALSE(alias.canonical.empty());
    }
}

}  // namespace
}  // namespace attrition::domain
