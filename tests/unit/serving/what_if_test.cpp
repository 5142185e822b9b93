// The what-if search on the committed models: every proposal is what Predict answers for the
// employee changed as it says; no proposal leaves the action space or touches anything else;
// with max_changes=1 the smallest single change is found whenever one exists, against a brute
// force over the booster's own thresholds (read from booster.json here, not through the forest)
// and every whole value within reach.
#include "serving/what_if.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "domain/fields.hpp"
#include "model/repository.hpp"
#include "model/technova_reader.hpp"
#include "support/synthetic_technova.hpp"

namespace attrition::serving {
namespace {

using model::InputAction;

std::filesystem::path ModelDir(std::string_view version) {
    const char* source = std::getenv("ATTRITION_SOURCE_DIR");
    return std::filesystem::path(source != nullptr ? source : ".") / "model" / version;
}

struct Fixture {
    model::ServedModel model;
    std::vector<domain::Employee> flagged;
    std::vector<domain::Employee> not_flagged;
};

// The committed version and synthetic employees (travel given for a version that takes it).
Fixture Load(std::string_view version, std::size_t rows) {
    auto model = model::LoadServedModel(ModelDir(version));
    if (!model) throw std::runtime_error(model.error().message);
    const auto texts = test::MakeSyntheticTechnova({.rows = rows, .seed = 11});
    std::vector<std::string> optional;
    for (const auto& group : model->predictor.Metadata().encoding.optional) {
        optional.push_back(group.name);
    }
    auto set = model::JoinExtracts({texts.sirh, texts.eval, texts.sondage}, optional);
    if (!set) throw std::runtime_error(set.error().message);
    Fixture fixture{std::move(*model), {}, {}};
    for (auto& employee : set->employees) {
        const bool flagged = fixture.model.predictor.Predict(employee).will_leave;
        (flagged ? fixture.flagged : fixture.not_flagged).push_back(std::move(employee));
    }
    return fixture;
}

bool HaveModels() {
    return std::filesystem::exists(ModelDir("xgb_enhanced_v2.0") / "booster.json") &&
           std::filesystem::exists(ModelDir("xgb_enhanced_v2.1") / "booster.json");
}

#define SKIP_WITHOUT_MODELS()                                                         \
    if (!HaveModels()) {                                                              \
        GTEST_SKIP() << "no committed model under model/ (set ATTRITION_SOURCE_DIR)"; \
    }

// The employee with the proposal's changes made here, from its stated from/to values.
domain::Employee Apply(domain::Employee employee, const Proposal& proposal) {
    for (const auto& change : proposal.changes) {
        const auto& input = change.action->input;
        if (const auto i = domain::NumericIndex(input)) {
            EXPECT_EQ(employee.numeric[*i], change.from_number) << input;
            employee.numeric[*i] = change.to_number;
        } else if (const auto c = domain::CategoricalIndex(input)) {
            EXPECT_EQ(employee.categorical[*c], change.from_text) << input;
            employee.categorical[*c] = change.to_text;
        } else {
            bool found = false;
            for (auto& given : employee.optional) {
                if (given.name != input) continue;
                EXPECT_EQ(given.value, change.from_text) << input;
                given.value = change.to_text;
                found = true;
            }
            EXPECT_TRUE(found) << input << " changed but not given";
        }
    }
    return employee;
}

// The reach of a numeric action from x, from the field table and the action alone.
std::pair<double, double> ReachOf(const InputAction& action, double x) {
    const auto& field = domain::NumericFields()[*domain::NumericIndex(action.input)];
    double lo = field.minimum.value_or(-std::numeric_limits<double>::infinity());
    double hi = field.maximum.value_or(std::numeric_limits<double>::infinity());
    if (action.change == InputAction::Change::kRaise) {
        lo = x;
        if (action.max_step) hi = std::min(hi, x + *action.max_step);
        if (action.max_relative) hi = std::min(hi, x * (1 + *action.max_relative));
    } else {
        hi = x;
        if (action.max_step) lo = std::max(lo, x - *action.max_step);
        if (action.max_relative) lo = std::max(lo, x * (1 - *action.max_relative));
    }
    return {lo, hi};
}

TEST(WhatIfTest, EveryProposalIsWhatPredictAnswersForTheChangedEmployee) {
    SKIP_WITHOUT_MODELS();
    for (const auto* version : {"xgb_enhanced_v2.0", "xgb_enhanced_v2.1"}) {
        const auto fixture = Load(version, 200);
        ASSERT_GE(fixture.flagged.size(), 10U) << version;
        std::size_t proposals = 0;
        for (const auto& employee : fixture.flagged) {
            const auto answer = SearchWhatIf(fixture.model.predictor, fixture.model.actions,
                                             employee, {.max_changes = 2, .proposals = 5});
            EXPECT_EQ(answer.current.probability,
                      fixture.model.predictor.Predict(employee).probability);
            EXPECT_EQ(answer.reason == NoProposal::kOutOfReach, answer.proposals.empty());
            for (std::size_t p = 0; p < answer.proposals.size(); ++p) {
                const auto& proposal = answer.proposals[p];
                const auto rescored = fixture.model.predictor.Predict(Apply(employee, proposal));
                EXPECT_EQ(rescored.probability, proposal.prediction.probability);
                EXPECT_FALSE(rescored.will_leave);
                EXPECT_GE(proposal.changes.size(), 1U);
                EXPECT_LE(proposal.changes.size(), 2U);
                if (p > 0) {  // fewest changes first, then the smallest
                    const auto& before = answer.proposals[p - 1];
                    EXPECT_LE(before.changes.size(), proposal.changes.size());
                    if (before.changes.size() == proposal.changes.size()) {
                        EXPECT_LE(before.size, proposal.size);
                    }
                }
                double size = 0;
                for (const auto& change : proposal.changes) size += change.size;
                EXPECT_DOUBLE_EQ(size, proposal.size);
                ++proposals;
            }
            // No proposal's inputs contain another's.
            for (const auto& a : answer.proposals) {
                for (const auto& b : answer.proposals) {
                    if (&a == &b) continue;
                    const bool contained =
                        std::all_of(a.changes.begin(), a.changes.end(), [&b](const Change& change) {
                            return std::any_of(
                                b.changes.begin(), b.changes.end(), [&change](const Change& other) {
                                    return other.action->input == change.action->input;
                                });
                        });
                    EXPECT_FALSE(contained) << "a proposal holds another's inputs";
                }
            }
        }
        EXPECT_GT(proposals, 0U) << version;
    }
}

TEST(WhatIfTest, ProposalsStayWithinTheActionsAndChangeNothingElse) {
    SKIP_WITHOUT_MODELS();
    const auto fixture = Load("xgb_enhanced_v2.1", 200);
    const auto immutable = model::ImmutableInputs();
    std::set<std::string> seen;
    for (const auto& employee : fixture.flagged) {
        const auto answer = SearchWhatIf(fixture.model.predictor, fixture.model.actions, employee,
                                         {.max_changes = 3, .proposals = 5});
        for (const auto& proposal : answer.proposals) {
            std::set<std::string> changed;
            for (const auto& change : proposal.changes) {
                const auto& action = *change.action;
                changed.insert(action.input);
                seen.insert(action.input);
                EXPECT_EQ(std::find(immutable.begin(), immutable.end(), action.input),
                          immutable.end())
                    << action.input;
                if (change.numeric) {
                    const auto [lo, hi] = ReachOf(action, change.from_number);
                    EXPECT_GE(change.to_number, lo) << action.input;
                    EXPECT_LE(change.to_number, hi) << action.input;
                    EXPECT_NE(change.to_number, change.from_number) << action.input;
                    const auto& field =
                        domain::NumericFields()[*domain::NumericIndex(action.input)];
                    if (field.kind == domain::FieldKind::kInteger) {
                        EXPECT_EQ(change.to_number, std::floor(change.to_number)) << action.input;
                    }
                } else {
                    const auto at = [&action](const std::string& value) {
                        return std::find(action.order.begin(), action.order.end(), value) -
                               action.order.begin();
                    };
                    EXPECT_LT(at(change.from_text), at(change.to_text)) << action.input;
                    EXPECT_LT(at(change.to_text), static_cast<long>(action.order.size()));
                }
            }
            // Everything a proposal does not name is as it was.
            for (std::size_t i = 0; i < domain::kNumericCount; ++i) {
                const auto name = std::string(domain::NumericFields()[i].name);
                if (!changed.contains(name)) {
                    EXPECT_EQ(proposal.employee.numeric[i], employee.numeric[i]) << name;
                }
            }
            for (std::size_t c = 0; c < domain::kCategoricalCount; ++c) {
                const auto name = std::string(domain::CategoricalFields()[c].name);
                if (!changed.contains(name)) {
                    EXPECT_EQ(proposal.employee.categorical[c], employee.categorical[c]) << name;
                }
            }
            for (const auto& given : employee.optional) {
                if (!changed.contains(given.name)) {
                    EXPECT_EQ(*proposal.employee.Optional(given.name), given.value) << given.name;
                }
            }
        }
    }
    // The synthetic population exercises most levers, not only one.
    EXPECT_GE(seen.size(), 3U);
}

// The distinct split thresholds of each encoded column, read from booster.json itself.
std::map<std::string, std::vector<float>> BoosterThresholds(const std::filesystem::path& dir) {
    std::ifstream in(dir / "booster.json");
    std::stringstream text;
    text << in.rdbuf();
    const auto booster = nlohmann::json::parse(text.str());
    const auto& learner = booster.at("learner");
    const auto names = learner.at("feature_names").get<std::vector<std::string>>();
    std::map<std::string, std::vector<float>> thresholds;
    for (const auto& tree : learner.at("gradient_booster").at("model").at("trees")) {
        const auto& left = tree.at("left_children");
        for (std::size_t node = 0; node < left.size(); ++node) {
            if (left[node].get<int>() < 0) continue;
            thresholds[names.at(tree.at("split_indices")[node].get<std::size_t>())].push_back(
                tree.at("split_conditions")[node].get<float>());
        }
    }
    return thresholds;
}

// Every value of one action within reach that can matter: each whole value and half value, each
// booster threshold and its float neighbours.
std::vector<double> BruteValues(const InputAction& action,
                                double x,
                                const std::vector<float>& thresholds) {
    const auto [lo, hi] = ReachOf(action, x);
    const auto& field = domain::NumericFields()[*domain::NumericIndex(action.input)];
    const bool integer = field.kind == domain::FieldKind::kInteger;
    std::vector<double> values;
    for (double v = std::ceil(lo * 2) / 2; v <= hi; v += 0.5) {
        if (!integer || v == std::floor(v)) values.push_back(v);
    }
    if (!integer) {
        for (const float t : thresholds) {
            for (const float v : {std::nextafter(t, -1e30F), t, std::nextafter(t, 1e30F)}) {
                if (v >= lo && v <= hi) values.push_back(v);
            }
        }
    }
    std::erase(values, x);
    return values;
}

TEST(WhatIfTest, OneChangeFindsTheSmallestSingleChangeWheneverOneExists) {
    SKIP_WITHOUT_MODELS();
    for (const auto* version : {"xgb_enhanced_v2.0", "xgb_enhanced_v2.1"}) {
        const auto fixture = Load(version, 120);
        const auto thresholds = BoosterThresholds(ModelDir(version));
        std::size_t with = 0;
        std::size_t without = 0;
        for (const auto& employee : fixture.flagged) {
            double best = std::numeric_limits<double>::infinity();
            for (const auto& action : fixture.model.actions.inputs) {
                domain::Employee changed = employee;
                if (const auto i = domain::NumericIndex(action.input)) {
                    const double x = employee.numeric[*i];
                    const auto [lo, hi] = ReachOf(action, x);
                    const auto found = thresholds.find(action.input);
                    for (const double v : BruteValues(
                             action, x,
                             found == thresholds.end() ? std::vector<float>{} : found->second)) {
                        changed.numeric[*i] = v;
                        if (fixture.model.predictor.Predict(changed).will_leave) continue;
                        const double reach =
                            action.change == InputAction::Change::kRaise ? hi - x : x - lo;
                        best = std::min(best, std::abs(v - x) / reach);
                    }
                    continue;
                }
                const auto c = domain::CategoricalIndex(action.input);
                std::string* value = nullptr;
                if (c) {
                    value = &changed.categorical[*c];
                } else {
                    for (auto& given : changed.optional) {
                        if (given.name == action.input) value = &given.value;
                    }
                }
                if (value == nullptr) continue;
                const auto from = std::find(action.order.begin(), action.order.end(), *value);
                if (from == action.order.end()) continue;
                const auto steps = static_cast<double>(action.order.end() - from - 1);
                for (auto to = from + 1; to != action.order.end(); ++to) {
                    *value = *to;
                    if (!fixture.model.predictor.Predict(changed).will_leave) {
                        best = std::min(best, static_cast<double>(to - from) / steps);
                    }
                }
            }
            const auto answer = SearchWhatIf(fixture.model.predictor, fixture.model.actions,
                                             employee, {.max_changes = 1, .proposals = 5});
            if (std::isinf(best)) {
                EXPECT_TRUE(answer.proposals.empty());
                EXPECT_EQ(answer.reason, NoProposal::kOutOfReach);
                ++without;
                continue;
            }
            ASSERT_FALSE(answer.proposals.empty()) << "a single change exists but none was found";
            EXPECT_EQ(answer.proposals.front().changes.size(), 1U);
            EXPECT_NEAR(answer.proposals.front().size, best, 1e-12);
            ++with;
        }
        // Both cases occur, so each branch above is exercised.
        EXPECT_GT(with, 0U) << version;
        EXPECT_GT(without, 0U) << version;
    }
}

TEST(WhatIfTest, AnEmployeeUnderTheThresholdHasNoProposalAndSaysWhy) {
    SKIP_WITHOUT_MODELS();
    const auto fixture = Load("xgb_enhanced_v2.0", 60);
    ASSERT_FALSE(fixture.not_flagged.empty());
    const auto answer = SearchWhatIf(fixture.model.predictor, fixture.model.actions,
                                     fixture.not_flagged.front(), {});
    EXPECT_FALSE(answer.current.will_leave);
    EXPECT_TRUE(answer.proposals.empty());
    EXPECT_EQ(answer.reason, NoProposal::kNotFlagged);
    EXPECT_EQ(answer.evaluated, 0U);
}

TEST(WhatIfTest, ANarrowerActionSpaceNarrowsTheProposals) {
    SKIP_WITHOUT_MODELS();
    const auto fixture = Load("xgb_enhanced_v2.0", 200);
    model::ActionSpace pay_only;
    pay_only.inputs.push_back({.input = "revenu_mensuel",
                               .change = InputAction::Change::kRaise,
                               .max_relative = 0.05,
                               .label = "A small rise"});
    ASSERT_TRUE(model::CheckActions(pay_only, fixture.model.predictor.Metadata().encoding));
    std::size_t proposals = 0;
    for (const auto& employee : fixture.flagged) {
        const auto answer = SearchWhatIf(fixture.model.predictor, pay_only, employee,
                                         {.max_changes = 3, .proposals = 5});
        EXPECT_LE(answer.proposals.size(), 1U);  // one input: one set of inputs
        for (const auto& proposal : answer.proposals) {
            ASSERT_EQ(proposal.changes.size(), 1U);
            const auto& change = proposal.changes.front();
            EXPECT_EQ(change.action->input, "revenu_mensuel");
            EXPECT_LE(change.to_number, change.from_number * 1.05);
            ++proposals;
        }
    }
    EXPECT_GT(proposals, 0U);
}

}  // namespace
}  // namespace attrition::serving
