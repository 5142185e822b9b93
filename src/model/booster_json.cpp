#include "model/booster_json.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <system_error>
#include <utility>

namespace attrition::model {
namespace {

namespace od = simdjson::ondemand;

using Status = base::Result<void>;

// The service's models have tens of features. The bound keeps a short file from making the
// loader invent millions of "fN" names, and keeps every feature index clear of the flag bits
// Forest and TreeShapExplainer pack above it (bit 30 and up).
constexpr std::int64_t kMaxFeatures = std::int64_t{1} << 16;

tl::unexpected<base::Error> InvalidBooster(std::string message) {
    return base::Fail(base::ErrorCode::kInvalidConfig, "booster JSON: " + std::move(message));
}

std::string Where(std::size_t tree, std::size_t node) {
    return "tree " + std::to_string(tree) + " node " + std::to_string(node);
}

// XGBoost reads a float straight from its decimal text; going through double could round twice,
// so the number's own token is converted with from_chars<float>.
bool ParseFloatText(std::string_view text, float& out) {
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                             text.back() == '\t')) {
        text.remove_suffix(1);
    }
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc() && ptr == end;
}

bool ReadFloat(od::value value, float& out) { return ParseFloatText(value.raw_json_token(), out); }

// XGBoost stores scalar parameters as strings ("5E-1", "41").
bool ReadStringFloat(od::value value, float& out) {
    std::string_view text;
    return value.get_string().get(text) == simdjson::SUCCESS && ParseFloatText(text, out);
}

bool ReadStringInt(od::value value, std::int64_t& out) {
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS) return false;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && ptr == text.data() + text.size();
}

// Calls read(element) for every element; false on the first element read refuses.
template <class Read>
bool ForEachElement(od::value value, Read&& read) {
    od::array array;
    if (value.get_array().get(array) != simdjson::SUCCESS) return false;
    for (auto element : array) {
        od::value item;
        if (element.get(item) != simdjson::SUCCESS || !read(item)) return false;
    }
    return true;
}

template <class Int>
bool ReadIntArray(od::value value, std::vector<Int>& out) {
    return ForEachElement(value, [&out](od::value item) {
        std::int64_t number = 0;
        if (item.get_int64().get(number) != simdjson::SUCCESS) return false;
        if (number < std::numeric_limits<Int>::min() || number > std::numeric_limits<Int>::max()) {
            return false;
        }
        out.push_back(static_cast<Int>(number));
        return true;
    });
}

bool ReadFloatArray(od::value value, std::vector<float>& out) {
    return ForEachElement(value, [&out](od::value item) {
        float number = 0;
        if (!ReadFloat(item, number)) return false;
        out.push_back(number);
        return true;
    });
}

// default_left is 0/1 in 1.7; booleans are accepted as well.
bool ReadFlagArray(od::value value, std::vector<std::uint8_t>& out) {
    return ForEachElement(value, [&out](od::value item) {
        od::json_type type{};
        if (item.type().get(type) != simdjson::SUCCESS) return false;
        if (type == od::json_type::boolean) {
            bool flag = false;
            if (item.get_bool().get(flag) != simdjson::SUCCESS) return false;
            out.push_back(flag ? 1 : 0);
            return true;
        }
        std::int64_t number = 0;
        if (item.get_int64().get(number) != simdjson::SUCCESS || (number != 0 && number != 1)) {
            return false;
        }
        out.push_back(static_cast<std::uint8_t>(number));
        return true;
    });
}

template <class Visit>
bool ForEachField(od::value value, Visit&& visit) {
    od::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) return false;
    for (auto field_result : object) {
        od::field field;
        std::string_view key;
        if (std::move(field_result).get(field) != simdjson::SUCCESS ||
            field.unescaped_key().get(key) != simdjson::SUCCESS || !visit(key, field.value())) {
            return false;
        }
    }
    return true;
}

struct RawTree {
    TreeArrays arrays;
    std::int64_t num_nodes = -1;
    std::vector<std::int32_t> split_types;
};

base::Result<RawTree> ReadTree(od::value value, std::size_t tree_index) {
    RawTree raw;
    std::string failed;
    auto& t = raw.arrays;
    const bool ok = ForEachField(value, [&](std::string_view key, od::value field) {
        bool read = true;
        if (key == "left_children") {
            read = ReadIntArray(field, t.left_children);
        } else if (key == "right_children") {
            read = ReadIntArray(field, t.right_children);
        } else if (key == "split_indices") {
            read = ReadIntArray(field, t.split_indices);
        } else if (key == "split_conditions") {
            read = ReadFloatArray(field, t.split_conditions);
        } else if (key == "default_left") {
            read = ReadFlagArray(field, t.default_left);
        } else if (key == "sum_hessian") {
            read = ReadFloatArray(field, t.sum_hessian);
        } else if (key == "split_type") {
            read = ReadIntArray(field, raw.split_types);
        } else if (key == "tree_param") {
            read = ForEachField(field, [&raw](std::string_view param, od::value param_value) {
                return param != "num_nodes" || ReadStringInt(param_value, raw.num_nodes);
            });
        }
        if (!read) failed = std::string(key);
        return read;
    });
    if (!ok) {
        return InvalidBooster("tree " + std::to_string(tree_index) + ": unreadable field '" +
                              failed + "'");
    }
    return raw;
}

// The node arrays of a tree are there and all of one length.
Status CheckNodeArrays(const RawTree& raw, std::size_t tree_index) {
    const TreeArrays& t = raw.arrays;
    const std::size_t n = t.left_children.size();
    const std::string tree = "tree " + std::to_string(tree_index);
    if (n == 0) return InvalidBooster(tree + ": no nodes");
    if (raw.num_nodes >= 0 && static_cast<std::size_t>(raw.num_nodes) != n) {
        return InvalidBooster(tree + ": num_nodes disagrees with left_children");
    }
    if (t.right_children.size() != n || t.split_indices.size() != n ||
        t.split_conditions.size() != n || t.default_left.size() != n || t.sum_hessian.size() != n) {
        return InvalidBooster(tree + ": node arrays differ in length (sum_hessian is required)");
    }
    if (!raw.split_types.empty() && raw.split_types.size() != n) {
        return InvalidBooster(tree + ": split_type differs in length");
    }
    return {};
}

// A leaf (a node with a negative child) has two -1 children and a finite value.
Status CheckLeafNode(const TreeArrays& t, std::size_t tree_index, std::size_t node) {
    if (t.left_children[node] != -1 || t.right_children[node] != -1) {
        return InvalidBooster(Where(tree_index, node) + ": a leaf must have two -1 children");
    }
    if (!std::isfinite(t.split_conditions[node])) {
        return InvalidBooster(Where(tree_index, node) + ": leaf value is not finite");
    }
    return {};
}

// A split is numerical, on a feature in range, at a condition that is a number.
Status CheckSplitNode(const RawTree& raw,
                      std::size_t tree_index,
                      std::size_t node,
                      std::size_t feature_count) {
    const TreeArrays& t = raw.arrays;
    if (!raw.split_types.empty() && raw.split_types[node] != 0) {
        return InvalidBooster(Where(tree_index, node) + ": categorical splits are not supported");
    }
    if (t.split_indices[node] >= feature_count) {
        return InvalidBooster(Where(tree_index, node) + ": split feature out of range");
    }
    if (std::isnan(t.split_conditions[node])) {
        return InvalidBooster(Where(tree_index, node) + ": split condition is NaN");
    }
    return {};
}

// Every reachable node is reached once from the root (a tree, not a graph), children and
// features are in range, numbers are usable. Deleted nodes (unreachable) are ignored.
Status ValidateTree(RawTree& raw, std::size_t tree_index, std::size_t feature_count) {
    TreeArrays& t = raw.arrays;
    if (auto arrays = CheckNodeArrays(raw, tree_index); !arrays) return arrays;
    const std::size_t n = t.left_children.size();
    std::vector<std::uint8_t> seen(n, 0);
    std::vector<std::pair<std::size_t, std::size_t>> stack{{0, 0}};  // node, depth
    seen[0] = 1;
    t.depth = 0;
    while (!stack.empty()) {
        const auto [node, depth] = stack.back();
        stack.pop_back();
        if (!(t.sum_hessian[node] >= 0.0F) || !std::isfinite(t.sum_hessian[node])) {
            return InvalidBooster(Where(tree_index, node) +
                                  ": cover is not a finite non-negative number");
        }
        const std::int32_t left = t.left_children[node];
        const std::int32_t right = t.right_children[node];
        if (left < 0 || right < 0) {
            if (auto leaf = CheckLeafNode(t, tree_index, node); !leaf) return leaf;
            t.depth = std::max(t.depth, depth);
            continue;
        }
        if (auto split = CheckSplitNode(raw, tree_index, node, feature_count); !split) {
            return split;
        }
        for (const std::int32_t child : {left, right}) {
            const auto c = static_cast<std::size_t>(child);
            if (child == 0 || c >= n) {
                return InvalidBooster(Where(tree_index, node) + ": child index out of range");
            }
            if (seen[c] != 0) {
                return InvalidBooster(Where(tree_index, node) +
                                      ": node reached twice (not a tree)");
            }
            seen[c] = 1;
            stack.emplace_back(c, depth + 1);
        }
    }
    return {};
}

// What the learner object holds, as read, before it is checked.
struct RawLearner {
    BoosterModel model;  // its trees are added once checked
    std::vector<RawTree> trees;
    std::int64_t num_feature = -1;
    std::int64_t num_class = 0;
    std::int64_t num_trees = -1;
    std::int64_t num_parallel_tree = 1;
    std::vector<std::int32_t> tree_info;
    std::string booster_name;
    bool have_base_score = false;
    std::optional<base::Error> tree_error;  // why a tree could not be read
};

// Reads gradient_booster.model: its parameters, tree_info and trees.
bool ReadGbtreeModel(od::value gbtree_model, RawLearner& raw) {
    return ForEachField(gbtree_model, [&raw](std::string_view key, od::value field) {
        if (key == "gbtree_model_param") {
            return ForEachField(field, [&raw](std::string_view param, od::value v) {
                if (param == "num_trees") return ReadStringInt(v, raw.num_trees);
                if (param == "num_parallel_tree") return ReadStringInt(v, raw.num_parallel_tree);
                return true;
            });
        }
        if (key == "tree_info") return ReadIntArray(field, raw.tree_info);
        if (key == "trees") {
            return ForEachElement(field, [&raw](od::value tree_value) {
                auto tree = ReadTree(tree_value, raw.trees.size());
                if (!tree) {
                    raw.tree_error = std::move(tree.error());
                    return false;
                }
                raw.trees.push_back(std::move(*tree));
                return true;
            });
        }
        return true;
    });
}

// Reads the learner's gradient_booster: its name and its model.
bool ReadGradientBooster(od::value gradient_booster, RawLearner& raw) {
    return ForEachField(gradient_booster, [&raw](std::string_view gb_key, od::value gb_value) {
        if (gb_key == "name") {
            std::string_view name;
            if (gb_value.get_string().get(name) != simdjson::SUCCESS) return false;
            raw.booster_name = name;
            return true;
        }
        if (gb_key == "model") return ReadGbtreeModel(gb_value, raw);
        return true;
    });
}

// Reads one member of the learner object; false when it is unreadable. Others are ignored.
bool ReadLearnerField(std::string_view key, od::value field, RawLearner& raw) {
    BoosterModel& model = raw.model;
    if (key == "feature_names") {
        return ForEachElement(field, [&model](od::value item) {
            std::string_view name;
            if (item.get_string().get(name) != simdjson::SUCCESS) return false;
            model.feature_names.emplace_back(name);
            return true;
        });
    }
    if (key == "gradient_booster") return ReadGradientBooster(field, raw);
    if (key == "learner_model_param") {
        return ForEachField(field, [&raw, &model](std::string_view param, od::value v) {
            if (param == "base_score")
                return raw.have_base_score = ReadStringFloat(v, model.base_score);
            if (param == "num_feature") return ReadStringInt(v, raw.num_feature);
            if (param == "num_class") return ReadStringInt(v, raw.num_class);
            return true;
        });
    }
    if (key == "objective") {
        return ForEachField(field, [&model](std::string_view obj_key, od::value v) {
            if (obj_key != "name") return true;
            std::string_view name;
            if (v.get_string().get(name) != simdjson::SUCCESS) return false;
            model.objective = name;
            return true;
        });
    }
    return true;
}

// The learner is one the forest can serve: a logistic gbtree, binary, with a probability as
// base score and a sane feature count.
Status CheckLearnerParams(const RawLearner& raw) {
    const BoosterModel& model = raw.model;
    if (raw.booster_name != "gbtree") {
        return InvalidBooster("gradient booster '" + raw.booster_name +
                              "' is not supported (gbtree only)");
    }
    if (model.objective != "binary:logistic" && model.objective != "reg:logistic") {
        return InvalidBooster("objective '" + model.objective +
                              "' is not supported (logistic only)");
    }
    if (raw.num_class > 1 || raw.num_parallel_tree != 1) {
        return InvalidBooster("multi-class and random-forest boosters are not supported");
    }
    if (!raw.have_base_score || !(model.base_score > 0.0F && model.base_score < 1.0F)) {
        return InvalidBooster("base_score must be a probability in (0, 1)");
    }
    if (raw.num_feature < 1 || raw.num_feature > kMaxFeatures) {
        return InvalidBooster("num_feature missing or out of range (1.." +
                              std::to_string(kMaxFeatures) + ")");
    }
    return {};
}

// Names the features when the booster did not, checks the trees against the counts and each
// other and moves them into the model (`raw` checked by CheckLearnerParams).
base::Result<BoosterModel> AssembleBooster(RawLearner& raw) {
    BoosterModel& model = raw.model;
    const auto feature_count = static_cast<std::size_t>(raw.num_feature);
    if (model.feature_names.empty()) {
        for (std::size_t i = 0; i < feature_count; ++i) {
            model.feature_names.push_back("f" + std::to_string(i));
        }
    }
    if (model.feature_names.size() != feature_count) {
        return InvalidBooster("feature_names has " + std::to_string(model.feature_names.size()) +
                              " names for " + std::to_string(feature_count) + " features");
    }
    if (raw.num_trees < 0 || static_cast<std::size_t>(raw.num_trees) != raw.trees.size()) {
        return InvalidBooster("num_trees disagrees with the trees array");
    }
    if (raw.tree_info.size() != raw.trees.size()) {
        return InvalidBooster("tree_info disagrees with the trees array");
    }
    for (std::size_t i = 0; i < raw.trees.size(); ++i) {
        if (raw.tree_info[i] != 0)
            return InvalidBooster("tree " + std::to_string(i) + ": class is not 0");
        if (auto valid = ValidateTree(raw.trees[i], i, feature_count); !valid) {
            return tl::unexpected<base::Error>(std::move(valid.error()));
        }
        model.trees.push_back(std::move(raw.trees[i].arrays));
    }
    return std::move(model);
}

base::Result<BoosterModel> ReadLearner(od::value learner) {
    RawLearner raw;
    std::string failed;
    const bool ok = ForEachField(learner, [&](std::string_view key, od::value field) {
        const bool read = ReadLearnerField(key, field, raw);
        if (!read && failed.empty()) failed = std::string(key);
        return read;
    });
    if (raw.tree_error) return tl::unexpected<base::Error>(std::move(*raw.tree_error));
    if (!ok) return InvalidBooster("unreadable learner field '" + failed + "'");
    if (auto params = CheckLearnerParams(raw); !params) {
        return tl::unexpected<base::Error>(std::move(params.error()));
    }
    return AssembleBooster(raw);
}

}  // namespace

base::Result<BoosterModel> ParseBoosterJson(std::string_view json) {
    const simdjson::padded_string padded(json);
    od::parser parser;
    od::document document;
    if (parser.iterate(padded).get(document) != simdjson::SUCCESS) {
        return InvalidBooster("not a JSON document");
    }
    od::object root;
    if (document.get_object().get(root) != simdjson::SUCCESS)
        return InvalidBooster("not an object");
    od::value learner;
    if (root.find_field_unordered("learner").get(learner) != simdjson::SUCCESS) {
        return InvalidBooster("no 'learner' object");
    }
    return ReadLearner(learner);
}

base::Result<BoosterModel> ReadBoosterJson(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        return base::Fail(base::ErrorCode::kIo, "cannot open booster file " + path.string());
    }
    std::ostringstream content;
    content << file.rdbuf();
    if (!file.good() && !file.eof()) {
        return base::Fail(base::ErrorCode::kIo, "cannot read booster file " + path.string());
    }
    return ParseBoosterJson(content.view());
}

}  // namespace attrition::model
