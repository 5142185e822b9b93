// The project's own table of accepted aliases for categorical values (feature, alias,
// canonical training value), copied from ../shared/data/category_aliases.csv and kept under
// version control; a unit test checks it still equals the CSV when the CSV is present.
// Static immutable data, thread-safe.
#pragma once

#include <span>
#include <string_view>

namespace attrition::domain {

struct CategoryAlias {
    std::string_view feature;    // a categorical field name of the field table
    std::string_view alias;      // the spelling a client may send
    std::string_view canonical;  // the training value the alias stands for
};

// Every alias, in the CSV's order.
std::span<const CategoryAlias> CategoryAliases() noexcept;

}  // namespace attrition::domain
