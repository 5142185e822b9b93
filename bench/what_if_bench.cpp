// The what-if search on every flagged employee of a population: for max_changes 1, 2 and 3, the
// share of flagged employees with a proposal, the changed employees scored, and the time of one
// search (p50, p99, max over the employees, one thread). A Markdown table on stdout.
//
//   what_if_bench --model model/xgb_enhanced_v2.0 --data ../shared/data/technova
//   what_if_bench --model model/xgb_enhanced_v2.0 --synthetic 1470
//
// Run from a Release build (bench/run-all.sh does); under the sanitizers the times mean nothing.
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "model/repository.hpp"
#include "model/technova_reader.hpp"
#include "serving/what_if.hpp"
#include "support/synthetic_technova.hpp"

namespace {

using namespace attrition;

struct Arguments {
    std::string model;
    std::string data;
    std::size_t synthetic = 0;
};

Arguments Parse(int argc, char** argv) {
    Arguments arguments;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view flag = argv[i];
        if (flag == "--model") arguments.model = argv[i + 1];
        if (flag == "--data") arguments.data = argv[i + 1];
        if (flag == "--synthetic") arguments.synthetic = std::stoul(argv[i + 1]);
    }
    return arguments;
}

double Percentile(std::vector<double> values, double q) {
    std::sort(values.begin(), values.end());
    const auto index = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
    return values[index];
}

}  // namespace

int main(int argc, char** argv) {
    const auto arguments = Parse(argc, argv);
    if (arguments.model.empty() || (arguments.data.empty() && arguments.synthetic == 0)) {
        fmt::print(stderr, "usage: what_if_bench --model DIR (--data DIR | --synthetic ROWS)\n");
        return 2;
    }
    auto model = model::LoadServedModel(arguments.model);
    if (!model) {
        fmt::print(stderr, "{}\n", model.error().message);
        return 1;
    }
    std::vector<std::string> optional;
    for (const auto& group : model->predictor.Metadata().encoding.optional) {
        optional.push_back(group.name);
    }
    base::Result<model::TrainingSet> set = tl::unexpected(base::Error{});
    std::string population;
    if (!arguments.data.empty()) {
        set = model::ReadTechnova(arguments.data, optional);
        population = "the extracts of " + arguments.data;
    } else {
        const auto texts = test::MakeSyntheticTechnova({.rows = arguments.synthetic, .seed = 11});
        set = model::JoinExtracts({texts.sirh, texts.eval, texts.sondage}, optional);
        population = fmt::format("{} synthetic employees", arguments.synthetic);
    }
    if (!set) {
        fmt::print(stderr, "{}\n", set.error().message);
        return 1;
    }
    std::vector<const domain::Employee*> flagged;
    for (const auto& employee : set->employees) {
        if (model->predictor.Predict(employee).will_leave) flagged.push_back(&employee);
    }
    fmt::print("What-if search, model {}, {} ({} employees, {} flagged at the threshold {}).\n\n",
               model->predictor.Version(), population, set->employees.size(), flagged.size(),
               model->predictor.Metadata().decision_threshold);
    fmt::print(
        "| max_changes | flagged with a proposal | share | employees scored per search (mean) "
        "| p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|\n");
    for (const std::size_t max_changes : {1, 2, 3}) {
        std::vector<double> times;
        std::size_t with = 0;
        std::size_t evaluated = 0;
        for (const auto* employee : flagged) {
            const auto start = std::chrono::steady_clock::now();
            const auto answer = serving::SearchWhatIf(model->predictor, model->actions, *employee,
                                                      {.max_changes = max_changes, .proposals = 3});
            times.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                    .count());
            with += answer.proposals.empty() ? 0 : 1;
            evaluated += answer.evaluated;
        }
        if (flagged.empty()) break;
        const auto count = static_cast<double>(flagged.size());
        fmt::print("| {} | {} of {} | {:.1f} % | {:.0f} | {:.2f} | {:.2f} | {:.2f} |\n",
                   max_changes, with, flagged.size(), 100.0 * static_cast<double>(with) / count,
                   static_cast<double>(evaluated) / count, Percentile(times, 0.5),
                   Percentile(times, 0.99), Percentile(times, 1.0));
    }
    return 0;
}
