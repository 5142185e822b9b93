// Live performance against the real binary, on SQLite and PostgreSQL: the TechNova training rows
// (ATTRITION_DATA_DIR; the test skips without them) are scored through the API with v2.1
// shadowing the default, their real outcomes posted, and GET /api/v1/monitoring/performance
// checked against ROC AUC, average precision, Brier score, the confusion at the decision
// threshold and the calibration deciles computed here from the probabilities the log holds —
// for the default and, on the same employees, for the shadow version. The horizon decides what
// resolves: outcomes dated today resolve every prediction made today at horizon 0, only the
// departures at 365; a stay or a departure before the prediction resolves nothing. Drift: the
// same rows match their training distributions, and a copy with every age shifted drifts on age
// alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "domain/fields.hpp"
#include "e2e/support/log_support.hpp"
#include "harness/child_process.hpp"
#include "harness/http_client.hpp"
#include "harness/postgres_cluster.hpp"
#include "harness/service_process.hpp"
#include "model/artifact.hpp"
#include "model/technova_reader.hpp"

namespace attrition::test::monitoring_test {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

const std::string kKey = "monitoring-test-key-0123456789";
const std::string kDefault = "xgb_enhanced_v2.0";
const std::string kShadow = "xgb_enhanced_v2.1";

enum class Backend { kSqlite, kPostgres, kPgBouncer };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
    return info.param == Backend::kSqlite     ? "Sqlite"
           : info.param == Backend::kPostgres ? "Postgres"
                                              : "PgBouncer";
}

// A training row as a request body: integral values as JSON integers.
Json EmployeeJson(const domain::Employee& employee, const std::string& id) {
    Json body{{"employee_id", id}};
    const auto numeric = domain::NumericFields();
    for (std::size_t i = 0; i < numeric.size(); ++i) {
        const double value = employee.numeric[i];
        if (std::trunc(value) == value) {
            body[std::string(numeric[i].name)] = static_cast<long long>(value);
        } else {
            body[std::string(numeric[i].name)] = value;
        }
    }
    const auto categorical = domain::CategoricalFields();
    for (std::size_t i = 0; i < categorical.size(); ++i) {
        body[std::string(categorical[i].name)] = employee.categorical[i];
    }
    for (const auto& optional : employee.optional) body[optional.name] = optional.value;
    return body;
}

std::string UtcDate(std::chrono::system_clock::time_point when) {
    const std::chrono::year_month_day day{std::chrono::floor<std::chrono::days>(when)};
    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(day.year()),
                  static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
    return text;
}

// A rate's 95 % Wilson interval, k of n, as the roots of (k/n - p)^2 = z^2 p (1 - p) / n; null
// when n is 0.
void ExpectWilson(const Json& interval, double k, double n) {
    if (n == 0) {
        EXPECT_TRUE(interval.is_null()) << interval;
        return;
    }
    ASSERT_TRUE(interval.is_array() && interval.size() == 2) << interval;
    const double z2n = 1.959963984540054 * 1.959963984540054 / n, p = k / n;
    const double a = 1 + z2n, b = -(2 * p + z2n), root = std::sqrt(b * b - 4 * a * p * p);
    EXPECT_NEAR(interval[0].get<double>(), std::max(0.0, (-b - root) / (2 * a)), 1e-9);
    EXPECT_NEAR(interval[1].get<double>(), std::min(1.0, (-b + root) / (2 * a)), 1e-9);
}

struct Labelled {
    double score = 0;
    int label = 0;
};

// The figures by their definitions, on the rows themselves.
double MannWhitneyAuc(const std::vector<Labelled>& rows) {
    double pairs = 0, wins = 0;
    for (const auto& positive : rows) {
        if (positive.label != 1) continue;
        for (const auto& negative : rows) {
            if (negative.label != 0) continue;
            pairs += 1;
            wins += positive.score > negative.score    ? 1.0
                    : positive.score == negative.score ? 0.5
                                                       : 0.0;
        }
    }
    return wins / pairs;
}

// Σ over distinct thresholds, from the highest, of (recall gained) x precision there.
double AveragePrecision(std::vector<Labelled> rows) {
    std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.score > b.score; });
    double positives = 0;
    for (const auto& row : rows) positives += row.label;
    double tp = 0, fp = 0, sum = 0;
    for (std::size_t i = 0; i < rows.size();) {
        double gained = 0;
        std::size_t j = i;
        for (; j < rows.size() && rows[j].score == rows[i].score; ++j) {
            (rows[j].label == 1 ? tp : fp) += 1;
            gained += rows[j].label;
        }
        sum += gained / positives * (tp / (tp + fp));
        i = j;
    }
    return sum;
}

struct Expected {
    std::size_t resolved = 0, positives = 0;
    double roc_auc = 0, pr_auc = 0, brier = 0, precision = 0, recall = 0, f1 = 0;
    Json deciles = Json::array();  // [mean_predicted, observed_rate, n]
};

Expected Compute(std::vector<Labelled> rows, double threshold) {
    Expected e;
    e.resolved = rows.size();
    double tp = 0, fp = 0, fn = 0, squared = 0;
    for (const auto& row : rows) {
        e.positives += row.label;
        squared += (row.score - row.label) * (row.score - row.label);
        const bool flagged = row.score >= threshold;
        tp += flagged && row.label == 1;
        fp += flagged && row.label == 0;
        fn += !flagged && row.label == 1;
    }
    e.roc_auc = MannWhitneyAuc(rows);
    e.pr_auc = AveragePrecision(rows);
    e.brier = squared / static_cast<double>(rows.size());
    e.precision = tp / (tp + fp);
    e.recall = tp / (tp + fn);
    e.f1 = 2 * e.precision * e.recall / (e.precision + e.recall);
    std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.score < b.score; });
    const std::size_t n = rows.size();
    for (std::size_t b = 0; b < 10; ++b) {
        const std::size_t begin = n * b / 10, end = n * (b + 1) / 10;
        double sum = 0, left = 0;
        for (std::size_t k = begin; k < end; ++k) {
            sum += rows[k].score;
            left += rows[k].label;
        }
        const double count = static_cast<double>(end - begin);
        e.deciles.push_back(Json::array({sum / count, left / count, end - begin}));
    }
    return e;
}

void ExpectFigures(const Json& live, const Expected& expected, const std::string& version) {
    SCOPED_TRACE(version);
    EXPECT_EQ(live["model_version"], version);
    EXPECT_EQ(live["resolved"], expected.resolved);
    EXPECT_EQ(live["positives"], expected.positives);
    EXPECT_NEAR(live["roc_auc"].get<double>(), expected.roc_auc, 1e-9);
    EXPECT_NEAR(live["pr_auc"].get<double>(), expected.pr_auc, 1e-9);
    EXPECT_NEAR(live["brier"].get<double>(), expected.brier, 1e-9);
    EXPECT_NEAR(live["precision"].get<double>(), expected.precision, 1e-12);
    EXPECT_NEAR(live["recall"].get<double>(), expected.recall, 1e-12);
    EXPECT_NEAR(live["f1_score"].get<double>(), expected.f1, 1e-12);
    ASSERT_EQ(live["calibration"].size(), 10U) << live.dump();
    for (std::size_t b = 0; b < 10; ++b) {
        const auto& decile = live["calibration"][b];
        EXPECT_EQ(decile["decile"], b + 1);
        EXPECT_NEAR(decile["mean_predicted"].get<double>(), expected.deciles[b][0].get<double>(),
                    1e-9);
        EXPECT_NEAR(decile["observed_rate"].get<double>(), expected.deciles[b][1].get<double>(),
                    1e-12);
        EXPECT_EQ(decile["n"], expected.deciles[b][2]);
    }
}

// A /metrics scrape: every sample by its series ("name{labels}"), and the families it declares.
struct Scrape {
    std::map<std::string, double> samples;
    std::set<std::string> families;  // from "# TYPE name kind"

    // The model-health series (the daily job's), for comparing replicas.
    std::map<std::string, double> ModelHealth() const {
        std::map<std::string, double> health;
        for (const auto& [series, value] : samples) {
            for (const char* prefix :
                 {"attrition_feature_psi", "attrition_prediction_psi", "attrition_drift_window",
                  "attrition_live_", "attrition_estimated_", "attrition_cv_roc_auc",
                  "attrition_fairness_"}) {
                if (series.rfind(prefix, 0) == 0) health[series] = value;
            }
        }
        return health;
    }
};

Scrape ReadScrape(const std::string& text) {
    Scrape scrape;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind("# TYPE ", 0) == 0) {
            const auto name = line.substr(7, line.find(' ', 7) - 7);
            scrape.families.insert(name);
        } else if (!line.empty() && line[0] != '#') {
            const auto space = line.rfind(' ');
            scrape.samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
        }
    }
    return scrape;
}

// Every attrition_* metric a text names (a dashboard's or a rule file's queries), histogram
// series reduced to their family.
std::set<std::string> MetricNames(const std::string& text) {
    std::set<std::string> names;
    for (std::size_t at = text.find("attrition_"); at != std::string::npos;
         at = text.find("attrition_", at + 1)) {
        if (at > 0 &&
            (std::isalnum(static_cast<unsigned char>(text[at - 1])) != 0 || text[at - 1] == '_')) {
            continue;
        }
        std::size_t end = at;
        while (end < text.size() &&
               (std::islower(static_cast<unsigned char>(text[end])) != 0 ||
                std::isdigit(static_cast<unsigned char>(text[end])) != 0 || text[end] == '_')) {
            ++end;
        }
        std::string name = text.substr(at, end - at);
        for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
            if (name.size() > suffix.size() &&
                name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
                name.find("_duration_seconds") != std::string::npos) {
                name.erase(name.size() - suffix.size());
            }
        }
        names.insert(name);
        at = end;
    }
    return names;
}

std::string ReadText(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

class MonitoringTest : public ::testing::TestWithParam<Backend> {
  protected:
    void SetUp() override {
        const char* dir = std::getenv("ATTRITION_DATA_DIR");
        if (dir == nullptr || !model::ReadTechnova(dir).has_value()) {
            GTEST_SKIP() << "real TechNova data not found (set ATTRITION_DATA_DIR to the folder "
                            "of ../shared/data/technova)";
        }
        std::vector<std::string> optional;
        for (const auto& column : model::OptionalColumns()) optional.emplace_back(column.name);
        data_ = model::ReadTechnova(dir, optional).value();
        scratch_ = MakeTempDir("attrition-monitoring");
        env_["OC5_API_KEYS_FILE"] = WriteApiKeysFile(scratch_, kKey);
        if (GetParam() == Backend::kSqlite) {
            env_["OC5_DATABASE_URL"] = "sqlite:///" + scratch_ + "/log.db";
            probe_ = LogProbe::Sqlite(scratch_ + "/log.db");
            return;
        }
        if (!PostgresAvailable()) GTEST_SKIP() << "PostgreSQL 15 not installed";
        auto& cluster = PostgresCluster::Shared();
        const auto name = UniqueDatabaseName("monitoring");
        env_["OC5_DATABASE_URL"] = cluster.CreateDatabase(name);
        probe_ = LogProbe::Postgres(env_["OC5_DATABASE_URL"]);
        if (GetParam() == Backend::kPgBouncer) {
            cluster.StartPgBouncer();
            env_["OC5_DATABASE_URL"] = cluster.PgBouncerUrl(name);
        }
    }

    Scrape Metrics(HttpClient& client) {
        const auto response = client.Get("/metrics", Bearer(kKey));
        EXPECT_EQ(response.status, 200);
        return ReadScrape(response.body);
    }

    // Waits until the service exports a successful monitoring run.
    Scrape MonitoredMetrics(HttpClient& client) {
        Scrape scrape;
        EXPECT_TRUE(Eventually([&] {
            scrape = Metrics(client);
            return scrape.samples["attrition_monitoring_last_success_timestamp_seconds"] > 0;
        })) << "no successful monitoring run exported";
        return scrape;
    }

    // Scores training rows 0..count-1 as employees "T<i>", 100 per batch; their real labels
    // go into `labels`.
    void ScoreTrainingRows(HttpClient& client,
                           std::size_t count,
                           std::map<std::string, int>& labels) {
        for (std::size_t first = 0; first < count; first += 100) {
            Json batch{{"employees", Json::array()}};
            for (std::size_t i = first; i < std::min(count, first + 100); ++i) {
                const std::string id = "T" + std::to_string(i);
                batch["employees"].push_back(EmployeeJson(data_.employees[i], id));
                labels[id] = data_.labels[i];
            }
            const auto scored = client.Post("/api/v1/predict/batch", batch.dump(),
                                            {{"Content-Type", "application/json"}});
            ASSERT_EQ(scored.status, 200) << scored.body;
        }
    }

    Json Get(HttpClient& client, const std::string& target, int status = 200) {
        const auto response = client.Get(target, Bearer(kKey));
        EXPECT_EQ(response.status, status) << target << ": " << response.body;
        return Json::parse(response.body, nullptr, false);
    }

    // The fairness table of the default version's rows, computed here from the training rows'
    // attributes and labels, against the endpoint's. The three extra predictions are employee
    // 0's, unresolved.
    void ExpectFairness(const Json& fairness, double threshold) {
        struct Tally {
            double n = 0, flagged = 0, sum = 0, resolved = 0, positives = 0, tp = 0, fp = 0;
        };
        std::map<std::string, std::map<std::string, Tally>> tallies;
        const auto rows = probe_.Rows(
            "SELECT employee_id, attrition_prob FROM predictions WHERE model_version = '" +
            kDefault + "'");
        ASSERT_EQ(rows.size(), data_.employees.size() + 3);
        const auto genre = *domain::CategoricalIndex("genre");
        const auto marital = *domain::CategoricalIndex("statut_marital");
        const auto age = *domain::NumericIndex("age");
        for (const auto& row : rows) {
            const auto& id = *row[0];
            const bool training = id.front() == 'T';
            const auto& employee = data_.employees[training ? std::stoul(id.substr(1)) : 0];
            const double score = std::stod(*row[1]);
            const double a = employee.numeric[age];
            const std::string band = a < 30 ? "18-29" : a < 40 ? "30-39" : a < 50 ? "40-49" : "50+";
            for (const auto& [attribute, group] :
                 {std::pair<std::string, std::string>{"genre", employee.categorical[genre]},
                  {"statut_marital", employee.categorical[marital]},
                  {"age_band", band}}) {
                auto& t = tallies[attribute][group];
                const bool flagged = score >= threshold;
                t.n += 1;
                t.flagged += flagged;
                t.sum += score;
                if (!training) continue;
                const int label = data_.labels[std::stoul(id.substr(1))];
                t.resolved += 1;
                t.positives += label;
                t.tp += flagged && label == 1;
                t.fp += flagged && label == 0;
            }
        }
        ASSERT_EQ(fairness["live"].size(), 3U) << fairness.dump();
        for (const auto& attribute : fairness["live"]) {
            const std::string name = attribute["attribute"];
            SCOPED_TRACE(name);
            const auto& expected = tallies[name];
            ASSERT_EQ(attribute["groups"].size(), expected.size());
            double lowest = 1, highest = 0, lowest_tpr = 1, highest_tpr = 0;
            for (const auto& group : attribute["groups"]) {
                const auto& t = expected.at(group["group"].get<std::string>());
                EXPECT_EQ(group["n"].get<double>(), t.n);
                EXPECT_NEAR(group["selection_rate"].get<double>(), t.flagged / t.n, 1e-12);
                EXPECT_NEAR(group["mean_predicted"].get<double>(), t.sum / t.n, 1e-9);
                EXPECT_NEAR(group["observed_rate"].get<double>(), t.positives / t.resolved, 1e-12);
                const double tpr = t.tp / t.positives;
                EXPECT_NEAR(group["tpr"].get<double>(), tpr, 1e-12);
                EXPECT_NEAR(group["fpr"].get<double>(), t.fp / (t.resolved - t.positives), 1e-12);
                EXPECT_EQ(group["flagged"].get<double>(), t.flagged);
                EXPECT_EQ(group["positives"].get<double>(), t.positives);
                // Each rate's Wilson interval over the rows it divides by.
                const auto& intervals = group["intervals"];
                ExpectWilson(intervals["selection_rate"], t.flagged, t.n);
                ExpectWilson(intervals["observed_rate"], t.positives, t.resolved);
                ExpectWilson(intervals["tpr"], t.tp, t.positives);
                ExpectWilson(intervals["fpr"], t.fp, t.resolved - t.positives);
                ExpectWilson(intervals["precision"], t.tp, t.tp + t.fp);
                lowest = std::min(lowest, t.flagged / t.n);
                highest = std::max(highest, t.flagged / t.n);
                lowest_tpr = std::min(lowest_tpr, tpr);
                highest_tpr = std::max(highest_tpr, tpr);
            }
            EXPECT_NEAR(attribute["selection_rate_ratio"].get<double>(), lowest / highest, 1e-12);
            EXPECT_EQ(attribute["below_four_fifths"], lowest / highest < 0.8);
            EXPECT_NEAR(attribute["tpr_difference"].get<double>(), highest_tpr - lowest_tpr, 1e-12);
        }
        // The training table covers every training row once per attribute.
        ASSERT_EQ(fairness["training"].size(), 3U);
        double training_rows = 0;
        for (const auto& group : fairness["training"][0]["groups"])
            training_rows += group["n"].get<double>();
        EXPECT_EQ(training_rows, static_cast<double>(data_.employees.size()));
    }

    // The estimate against CBPE computed here pair by pair: each probability (calibrated) is a
    // fractional leaver; the expected ROC AUC counts p_i (1 - p_j) for every pair ordered by
    // score, ties half; the expected confusion matrix sums them at the threshold.
    static void ExpectEstimate(const Json& estimated,
                               const std::vector<double>& scores,
                               const model::ScoreCalibrator& calibrator,
                               double threshold,
                               const std::string& version) {
        std::vector<std::pair<double, double>> rows;  // score, calibrated
        for (const double s : scores) rows.emplace_back(s, calibrator.Apply(s));
        std::sort(rows.begin(), rows.end());
        double leavers = 0, stayers = 0, pairs = 0, stayers_below = 0;
        double flagged = 0, flagged_leavers = 0;
        for (std::size_t i = 0; i < rows.size();) {
            std::size_t end = i;
            double group1 = 0, group0 = 0;
            while (end < rows.size() && rows[end].first == rows[i].first) {
                group1 += rows[end].second;
                group0 += 1 - rows[end].second;
                if (rows[end].first >= threshold) {
                    flagged += 1;
                    flagged_leavers += rows[end].second;
                }
                ++end;
            }
            pairs += group1 * (stayers_below + group0 / 2);
            stayers_below += group0;
            leavers += group1;
            stayers += group0;
            i = end;
        }
        EXPECT_EQ(estimated["n"], scores.size()) << version;
        EXPECT_EQ(estimated["calibration"], calibrator.method) << version;
        // The service groups probabilities in steps of 1/10,000 and maps a group at its mean
        // (the logistic map bends by ~1e-8 of a row across a step); pairs inside one count half.
        EXPECT_NEAR(estimated["expected_positives"].get<double>(), leavers,
                    1e-6 * static_cast<double>(scores.size()))
            << version;
        EXPECT_NEAR(estimated["roc_auc"].get<double>(), pairs / (leavers * stayers), 2e-4)
            << version;
        EXPECT_NEAR(estimated["precision"].get<double>(), flagged_leavers / flagged, 1e-6)
            << version;
        EXPECT_NEAR(estimated["recall"].get<double>(), flagged_leavers / leavers, 1e-6) << version;
        const auto interval = estimated["roc_auc_interval"];
        ASSERT_EQ(interval.size(), 2U) << estimated.dump();
        EXPECT_LT(interval[0].get<double>(), estimated["roc_auc"].get<double>());
        EXPECT_GT(interval[1].get<double>(), estimated["roc_auc"].get<double>());
        EXPECT_EQ(estimated["figures"]["roc_auc"]["interval"], interval);
        EXPECT_EQ(estimated["figures"]["precision"]["n"], flagged) << version;
    }

    model::TrainingSet data_;
    std::string scratch_;
    std::map<std::string, std::string> env_;
    LogProbe probe_ = LogProbe::Sqlite("");
};

// The live figures (realized and estimated) also through pgbouncer in transaction pooling,
// where only unnamed statements work.
class LiveMonitoringTest : public MonitoringTest {};

TEST_P(LiveMonitoringTest, LiveFiguresOnTheTrainingRowsMatchTheirDefinitions) {
    ServiceProcess service({.flags = {"--migrate", "--shadow-model", kShadow}, .env = env_});
    HttpClient client(service.Port());
    const std::size_t rows = data_.employees.size();
    std::map<std::string, int> labels;  // employee_id -> left
    ScoreTrainingRows(client, rows, labels);
    if (HasFatalFailure()) return;
    // Three more predictions that no outcome resolves: no outcome at all, a stay and a departure
    // dated before the prediction.
    const auto today = std::chrono::system_clock::now();
    const std::string today_text = UtcDate(today), yesterday = UtcDate(today - 24h);
    for (const std::string id : {"NONE", "STAYED-BEFORE", "LEFT-BEFORE"}) {
        const auto scored =
            client.Post("/api/v1/predict", EmployeeJson(data_.employees[0], id).dump(),
                        {{"Content-Type", "application/json"}});
        ASSERT_EQ(scored.status, 200) << scored.body;
    }
    ASSERT_TRUE(Eventually([&] {
        return probe_.Count("SELECT count(*) FROM predictions") ==
               static_cast<long long>(2 * (rows + 3));
    }));

    Json outcomes = Json::array();
    const auto post = [&] {
        auto headers = Bearer(kKey);
        headers["Content-Type"] = "application/json";
        const auto stored =
            client.Post("/api/v1/outcomes", Json{{"outcomes", outcomes}}.dump(), headers);
        ASSERT_EQ(stored.status, 200) << stored.body;
        outcomes = Json::array();
    };
    for (const auto& [id, left] : labels) {
        outcomes.push_back(
            {{"employee_id", id}, {"event", left == 1 ? "left" : "stayed"}, {"date", today_text}});
        if (outcomes.size() == 1000) post();
    }
    outcomes.push_back(
        {{"employee_id", "STAYED-BEFORE"}, {"event", "stayed"}, {"date", yesterday}});
    outcomes.push_back({{"employee_id", "LEFT-BEFORE"}, {"event", "left"}, {"date", yesterday}});
    post();

    const auto info = Get(client, "/api/v1/model/info");
    const double threshold = info["decision_threshold"].get<double>();
    for (const auto& [version, shadow] : {std::pair{kDefault, 0}, std::pair{kShadow, 1}}) {
        std::vector<Labelled> logged;
        for (const auto& row : probe_.Rows(
                 "SELECT employee_id, attrition_prob FROM predictions WHERE model_version = '" +
                 version + "'")) {
            const auto label = labels.find(row[0].value_or(""));
            if (label != labels.end()) logged.push_back({std::stod(*row[1]), label->second});
        }
        ASSERT_EQ(logged.size(), rows);
        const auto live = Get(client, "/api/v1/monitoring/performance?horizon_days=0" +
                                          (shadow ? "&model_version=" + version : std::string()));
        ExpectFigures(live, Compute(logged, threshold), version);
        EXPECT_EQ(live["unresolved"], 3) << live.dump();
        EXPECT_EQ(live["horizon_days"], 0);
        EXPECT_GT(live["cross_validation"]["roc_auc"]["mean"].get<double>(), 0.8);
        PrintFigures("monitoring_live/" + version + "/" + BackendName({GetParam(), 0}),
                     {{"resolved", live["resolved"].get<long long>()},
                      {"positives", live["positives"].get<long long>()},
                      {"roc_auc_x1000", std::llround(live["roc_auc"].get<double>() * 1000)},
                      {"pr_auc_x1000", std::llround(live["pr_auc"].get<double>() * 1000)},
                      {"brier_x1000", std::llround(live["brier"].get<double>() * 1000)}});
    }

    ExpectFairness(Get(client, "/api/v1/monitoring/fairness?horizon_days=0"), threshold);

    // At a year's horizon nothing made today is due: today's departures are early departures,
    // counted and not judged (before: judged alone, precision 1.0), and no figure is given.
    const auto year = Get(client, "/api/v1/monitoring/performance");
    EXPECT_EQ(year["horizon_days"], 365);
    EXPECT_EQ(year["positives"], 0);
    EXPECT_EQ(year["resolved"], 0);
    EXPECT_EQ(year["unresolved"], rows + 3);
    EXPECT_EQ(year["not_yet_due"], rows + 3);
    EXPECT_EQ(year["early_departures"], data_.PositiveCount());
    for (const auto* figure : {"roc_auc", "pr_auc", "precision", "recall", "f1_score", "brier"}) {
        EXPECT_TRUE(year[figure].is_null()) << figure;
        EXPECT_EQ(year["realized"][figure]["reason"], "no_mature_outcomes") << figure;
    }
    // Nothing is due, and the estimate answers from the probabilities alone: CBPE recomputed
    // here over every logged prediction of the version, through its artifact's calibrator.
    for (const auto& version : {kDefault, kShadow}) {
        std::vector<double> scores;
        for (const auto& row :
             probe_.Rows("SELECT attrition_prob FROM predictions WHERE model_version = '" +
                         version + "'")) {
            scores.push_back(std::stod(*row[0]));
        }
        const auto metadata = model::LoadMetadata(
            std::filesystem::path(std::getenv("ATTRITION_SOURCE_DIR")) / "model" / version);
        ASSERT_TRUE(metadata && metadata->calibrator);
        const auto estimated =
            Get(client, "/api/v1/monitoring/performance?model_version=" + version)["estimated"];
        ExpectEstimate(estimated, scores, *metadata->calibrator, threshold, version);
    }
    // A window that holds no prediction.
    const auto empty = Get(client, "/api/v1/monitoring/performance?until=2020-01-01");
    EXPECT_EQ(empty["resolved"], 0);
    EXPECT_EQ(empty["unresolved"], 0);
    EXPECT_TRUE(empty["brier"].is_null());
    EXPECT_EQ(empty["calibration"], Json::array());
    EXPECT_EQ(empty["estimated"]["n"], 0);
    EXPECT_TRUE(empty["estimated"]["roc_auc"].is_null());
    EXPECT_EQ(empty["estimated"]["figures"]["roc_auc"]["reason"], "no_predictions");
    EXPECT_TRUE(empty["estimated"]["expected_positives"].is_null());
}

// The training rows as they are (default version) and with every age 12 years older (v2.1): the
// first population matches the training distributions, the second drifts on age and only there.
TEST_P(MonitoringTest, DriftFlagsTheShiftedFeatureAndOnlyIt) {
    ServiceProcess service({.flags = {"--migrate"}, .env = env_});
    HttpClient client(service.Port());
    const std::size_t rows = data_.employees.size();
    for (std::size_t first = 0; first < rows; first += 100) {
        Json same{{"employees", Json::array()}}, older{{"employees", Json::array()}};
        for (std::size_t i = first; i < std::min(rows, first + 100); ++i) {
            auto employee = data_.employees[i];
            same["employees"].push_back(EmployeeJson(employee, "S" + std::to_string(i)));
            employee.numeric[0] = std::min(employee.numeric[0] + 12, 70.0);  // age, at most 70
            older["employees"].push_back(EmployeeJson(employee, "O" + std::to_string(i)));
        }
        const auto a = client.Post("/api/v1/predict/batch", same.dump(),
                                   {{"Content-Type", "application/json"}});
        ASSERT_EQ(a.status, 200) << a.body;
        const auto b =
            client.Post("/api/v1/predict/batch", older.dump(),
                        {{"Content-Type", "application/json"}, {"X-Model-Version", kShadow}});
        ASSERT_EQ(b.status, 200) << b.body;
    }
    ASSERT_TRUE(Eventually([&] {
        return probe_.Count("SELECT count(*) FROM predictions") == static_cast<long long>(2 * rows);
    }));

    const auto same = Get(client, "/api/v1/monitoring/drift");
    EXPECT_EQ(same["model_version"], kDefault);
    EXPECT_EQ(same["days"], 30);
    EXPECT_EQ(same["rows"], rows);
    EXPECT_EQ(same["sampled_rows"], rows);
    ASSERT_EQ(same["features"].size(), 24U);
    for (const auto& feature : same["features"]) {
        EXPECT_EQ(feature["n"], rows) << feature.dump();
        EXPECT_LT(feature["psi"].get<double>(), 1e-9) << feature.dump();
        EXPECT_EQ(feature["level"], "stable") << feature.dump();
    }
    ASSERT_TRUE(same["prediction"].is_object()) << same.dump();
    EXPECT_EQ(same["prediction"]["n"], rows);

    const auto older = Get(client, "/api/v1/monitoring/drift?days=1&model_version=" + kShadow);
    EXPECT_EQ(older["model_version"], kShadow);
    ASSERT_EQ(older["features"].size(), 25U);  // and the optional travel frequency
    std::vector<std::string> flagged;
    for (const auto& feature : older["features"]) {
        if (feature["level"] != "stable") flagged.push_back(feature["name"]);
    }
    EXPECT_EQ(flagged, std::vector<std::string>{"age"});
    const auto& age = older["features"][0];
    EXPECT_EQ(age["name"], "age");
    EXPECT_EQ(age["level"], "significant");
    EXPECT_GT(age["ks"].get<double>(), 0.3);
    // What moved: twelve years older, nobody is under 30 any more: the largest part of the PSI
    // is a young bin that emptied, and the open oldest bin gained; the bins' parts sum to the
    // PSI, largest first; far beyond what 1,470 values show by chance (chi-square's 95th
    // percentile with 9 degrees of freedom, 16.919 in the tables, x (1/n + 1/training rows)).
    const auto& bins = age["bins"];
    ASSERT_GE(bins.size(), 2U);
    EXPECT_LE(bins[0]["upper"].get<double>(), 30) << bins[0].dump();
    EXPECT_EQ(bins[0]["live_share"].get<double>(), 0.0);
    for (const auto& bin : bins) {
        if (!bin["upper"].is_null()) continue;
        EXPECT_GT(bin["live_share"].get<double>(), 2 * bin["training_share"].get<double>());
    }
    double sum = 0;
    for (std::size_t i = 0; i < bins.size(); ++i) {
        sum += bins[i]["contribution"].get<double>();
        if (i > 0) {
            EXPECT_GE(bins[i - 1]["contribution"].get<double>(),
                      bins[i]["contribution"].get<double>());
        }
    }
    EXPECT_NEAR(sum, age["psi"].get<double>(), 1e-9);
    const double n = age["n"].get<double>();
    const double training_rows = older["training_rows"].get<double>();
    EXPECT_EQ(training_rows, 1470);
    EXPECT_NEAR(age["chance_bound"].get<double>() /
                    (16.919 * (1 / n + 1 / training_rows) * (bins.size() == 10 ? 1.0 : NAN)),
                1.0, 0.005);
    EXPECT_EQ(age["beyond_chance"], true);
    EXPECT_EQ(age["significant"], true);
    for (const auto& feature : same["features"]) {
        EXPECT_EQ(feature["significant"], false);
        if (!feature["psi"].is_null()) {
            EXPECT_EQ(feature["beyond_chance"],
                      feature["psi"].get<double>() > feature["chance_bound"].get<double>());
        }
    }
    PrintFigures("monitoring_drift/" + BackendName({GetParam(), 0}),
                 {{"rows", older["rows"].get<long long>()},
                  {"age_psi_x1000", std::llround(age["psi"].get<double>() * 1000)},
                  {"same_prediction_psi_x1000",
                   std::llround(same["prediction"]["psi"].get<double>() * 1000)},
                  {"older_prediction_psi_x1000",
                   std::llround(older["prediction"]["psi"].get<double>() * 1000)}});
}

// The daily job, on a log of scored training rows with their outcomes: two replicas started at
// once on the one database run the slot once (job_runs), export the same figures, and those
// are the endpoints' (ROC AUC also by its definition); a replica started later loads them. The
// dashboard's and the alert rules' every query names a metric the service exports.
TEST_P(MonitoringTest, TheDailyJobRunsOncePerSlotAndEveryReplicaExportsItsFigures) {
    const std::size_t rows = 400;
    std::map<std::string, int> labels;
    {
        // Monitoring off while the log fills: the slot's run then sees the whole log.
        ServiceProcess writer(
            {.flags = {"--migrate", "--shadow-model", kShadow, "--monitoring-time", "off"},
             .env = env_});
        HttpClient client(writer.Port());
        ScoreTrainingRows(client, rows, labels);
        if (HasFatalFailure()) return;
        ASSERT_TRUE(Eventually([&] {
            return probe_.Count("SELECT count(*) FROM predictions") ==
                   static_cast<long long>(2 * rows);
        }));
        Json outcomes = Json::array();
        const std::string today = UtcDate(std::chrono::system_clock::now());
        for (const auto& [id, left] : labels) {
            outcomes.push_back(
                {{"employee_id", id}, {"event", left == 1 ? "left" : "stayed"}, {"date", today}});
        }
        auto headers = Bearer(kKey);
        headers["Content-Type"] = "application/json";
        const auto stored =
            client.Post("/api/v1/outcomes", Json{{"outcomes", outcomes}}.dump(), headers);
        ASSERT_EQ(stored.status, 200) << stored.body;
        EXPECT_EQ(probe_.Count("SELECT count(*) FROM job_runs"), 0);  // off: no job ran
        // Off: nothing to refresh, said so.
        const auto refused = client.Post("/api/v1/monitoring/refresh", "", Bearer(kKey));
        EXPECT_EQ(refused.status, 409) << refused.body;
        EXPECT_NE(refused.body.find("off"), std::string::npos) << refused.body;
    }

    const std::vector<std::string> flags{"--shadow-model", kShadow, "--monitoring-horizon-days",
                                         "0"};
    ServiceProcess first({.flags = flags, .env = env_});
    ServiceProcess second({.flags = flags, .env = env_});
    HttpClient a(first.Port()), b(second.Port());
    const auto scrape_a = MonitoredMetrics(a);
    const auto scrape_b = MonitoredMetrics(b);
    EXPECT_EQ(probe_.Count("SELECT count(*) FROM job_runs WHERE job = 'monitoring'"), 1);
    EXPECT_EQ(probe_.Count("SELECT count(*) FROM job_runs WHERE job = 'monitoring' AND "
                           "finished_at IS NOT NULL AND succeeded"),
              1);
    const auto health = scrape_a.ModelHealth();
    EXPECT_EQ(health, scrape_b.ModelHealth());

    const auto gauge = [&](const std::string& series) {
        const auto found = health.find(series);
        EXPECT_NE(found, health.end()) << series << " not exported";
        return found == health.end() ? std::nan("") : found->second;
    };
    for (const auto& version : {kDefault, kShadow}) {
        SCOPED_TRACE(version);
        const std::string v = "model_version=\"" + version + "\"";
        const auto live =
            Get(a, "/api/v1/monitoring/performance?horizon_days=0&model_version=" + version);
        std::vector<Labelled> logged;
        for (const auto& row : probe_.Rows(
                 "SELECT employee_id, attrition_prob FROM predictions WHERE model_version = '" +
                 version + "'")) {
            logged.push_back({std::stod(*row[1]), labels.at(*row[0])});
        }
        EXPECT_NEAR(gauge("attrition_live_roc_auc{" + v + "}"), MannWhitneyAuc(logged), 1e-9);
        EXPECT_NEAR(gauge("attrition_live_roc_auc{" + v + "}"), live["roc_auc"].get<double>(),
                    1e-12);
        EXPECT_NEAR(gauge("attrition_live_pr_auc{" + v + "}"), live["pr_auc"].get<double>(), 1e-12);
        EXPECT_NEAR(gauge("attrition_live_brier{" + v + "}"), live["brier"].get<double>(), 1e-12);
        EXPECT_NEAR(gauge("attrition_cv_roc_auc{" + v + "}"),
                    live["cross_validation"]["roc_auc"]["mean"].get<double>(), 1e-12);
        // Every prediction was made today: the drift window's estimate is the whole log's.
        EXPECT_NEAR(gauge("attrition_estimated_roc_auc{" + v + "}"),
                    live["estimated"]["roc_auc"].get<double>(), 1e-12);
        EXPECT_NEAR(gauge("attrition_estimated_roc_auc_upper{" + v + "}"),
                    live["estimated"]["roc_auc_interval"][1].get<double>(), 1e-12);
        EXPECT_EQ(gauge("attrition_live_labelled_predictions{" + v + ",outcome=\"left\"}"),
                  live["positives"].get<double>());
        EXPECT_EQ(gauge("attrition_live_labelled_predictions{" + v + ",outcome=\"stayed\"}"),
                  live["resolved"].get<double>() - live["positives"].get<double>());
        EXPECT_EQ(gauge("attrition_live_labelled_predictions{" + v + ",outcome=\"unresolved\"}"),
                  0);

        const auto drift = Get(a, "/api/v1/monitoring/drift?model_version=" + version);
        EXPECT_EQ(gauge("attrition_drift_window_predictions{" + v + "}"),
                  drift["rows"].get<double>());
        for (const auto& feature : drift["features"]) {
            const auto series = v + ",feature=\"" + feature["name"].get<std::string>() + "\"}";
            EXPECT_NEAR(gauge("attrition_feature_psi{" + series), feature["psi"].get<double>(),
                        1e-12);
            EXPECT_NEAR(gauge("attrition_feature_psi_chance_bound{" + series),
                        feature["chance_bound"].get<double>(), 1e-12);
        }
        EXPECT_NEAR(gauge("attrition_prediction_psi{" + v + "}"),
                    drift["prediction"]["psi"].get<double>(), 1e-12);
        EXPECT_NEAR(gauge("attrition_prediction_psi_chance_bound{" + v + "}"),
                    drift["prediction"]["chance_bound"].get<double>(), 1e-12);

        const auto fairness =
            Get(a, "/api/v1/monitoring/fairness?horizon_days=0&model_version=" + version);
        ASSERT_EQ(fairness["live"].size(), 3U);
        for (const auto& attribute : fairness["live"]) {
            const std::string labels_text =
                v + ",attribute=\"" + attribute["attribute"].get<std::string>() + "\"";
            EXPECT_NEAR(gauge("attrition_fairness_selection_rate_ratio{" + labels_text + "}"),
                        attribute["selection_rate_ratio"].get<double>(), 1e-12);
            EXPECT_NEAR(gauge("attrition_fairness_tpr_difference{" + labels_text + "}"),
                        attribute["tpr_difference"].get<double>(), 1e-12);
            // What the alert weighs: the ratio's Katz interval between the lowest and the
            // highest group, recomputed here from the table, and the ratio at training.
            const auto& groups = attribute["groups"];
            const auto rate = [](const Json& g) { return g["selection_rate"].get<double>(); };
            const auto by_rate = [&](const Json& x, const Json& y) { return rate(x) < rate(y); };
            const auto low = *std::min_element(groups.begin(), groups.end(), by_rate);
            const auto high = *std::max_element(groups.begin(), groups.end(), by_rate);
            const double n1 = low["n"].get<double>(), n2 = high["n"].get<double>();
            const double a1 = std::max(0.5, std::round(rate(low) * n1));
            const double a2 = std::max(0.5, std::round(rate(high) * n2));
            const double upper = std::min(
                1.0, std::exp(std::log((a1 / n1) / (a2 / n2)) +
                              1.959963984540054 * std::sqrt(1 / a1 - 1 / n1 + 1 / a2 - 1 / n2)));
            EXPECT_NEAR(gauge("attrition_fairness_selection_rate_ratio_upper{" + labels_text + "}"),
                        upper, 1e-9);
            EXPECT_EQ(gauge("attrition_fairness_smallest_group{" + labels_text + "}"),
                      std::min(n1, n2));
            for (const auto& trained : fairness["training"]) {
                if (trained["attribute"] != attribute["attribute"]) continue;
                EXPECT_NEAR(
                    gauge("attrition_fairness_training_selection_rate_ratio{" + labels_text + "}"),
                    trained["selection_rate_ratio"].get<double>(), 1e-12);
            }
        }
    }

    // Every metric the dashboard and the alert rules query is one the service exports.
    for (const auto* file :
         {"deploy/grafana/attrition.json", "deploy/prometheus/attrition-rules.yml"}) {
        const auto names = MetricNames(ReadText(SourceDir() + "/" + file));
        EXPECT_GT(names.size(), 10U) << file;
        for (const auto& name : names) {
            EXPECT_TRUE(scrape_a.families.count(name) == 1)
                << file << " names " << name << ", which /metrics does not export";
        }
    }

    // A replica started later (or restarted) loads the slot's figures instead of running it.
    first.Stop();
    ServiceProcess third({.flags = flags, .env = env_});
    HttpClient c(third.Port());
    EXPECT_EQ(MonitoredMetrics(c).ModelHealth(), health);
    EXPECT_EQ(probe_.Count("SELECT count(*) FROM job_runs WHERE job = 'monitoring'"), 1);

    // A replica that serves no shadow: the slot's figures describe a version it does not
    // serve, so it computes its own at start, and exports nothing of the shadow.
    const auto served_only = [&](const Scrape& scrape) {
        for (const auto& [series, value] : scrape.ModelHealth()) {
            if (series.find(kShadow) != std::string::npos) return false;
        }
        return scrape.ModelHealth().count("attrition_cv_roc_auc{model_version=\"" + kDefault +
                                          "\"}") == 1;
    };
    ServiceProcess alone({.flags = {"--monitoring-horizon-days", "0"}, .env = env_});
    HttpClient d(alone.Port());
    Scrape refreshed;
    ASSERT_TRUE(Eventually([&] {
        refreshed = Metrics(d);
        return served_only(refreshed);
    })) << "the default-only replica still exports the shadow's figures";
    EXPECT_EQ(probe_.Count("SELECT count(*) FROM job_runs WHERE job = 'monitoring'"), 2);
    EXPECT_EQ(
        refreshed.ModelHealth().at("attrition_live_roc_auc{model_version=\"" + kDefault + "\"}"),
        health.at("attrition_live_roc_auc{model_version=\"" + kDefault + "\"}"));

    // On demand: behind the API key, queued, run once as a run of its own.
    EXPECT_EQ(d.Post("/api/v1/monitoring/refresh", "").status, 401);
    const auto queued = d.Post("/api/v1/monitoring/refresh", "", Bearer(kKey));
    ASSERT_EQ(queued.status, 202) << queued.body;
    EXPECT_EQ(Json::parse(queued.body)["refresh"], "queued");
    EXPECT_TRUE(Eventually([&] {
        return probe_.Count(
                   "SELECT count(*) FROM job_runs WHERE job = 'monitoring' AND "
                   "finished_at IS NOT NULL AND succeeded") == 3;
    }));
    EXPECT_TRUE(served_only(Metrics(d)));
    PrintFigures(
        "monitoring_job/" + BackendName({GetParam(), 0}),
        {{"figures", static_cast<long long>(health.size())},
         {"live_roc_auc_x1000",
          std::llround(gauge("attrition_live_roc_auc{model_version=\"" + kDefault + "\"}") *
                       1000)}});
}

TEST_P(MonitoringTest, BadParametersAreRefusedByName) {
    ServiceProcess service({.flags = {"--migrate"}, .env = env_});
    HttpClient client(service.Port());
    EXPECT_EQ(client.Get("/api/v1/monitoring/performance").status, 401);
    const auto bad = Get(
        client, "/api/v1/monitoring/performance?horizon_days=-1&since=yesterday&colour=red", 422);
    std::map<std::string, std::string> types;
    for (const auto& issue : bad["detail"]) types[issue["loc"].dump()] = issue["type"];
    EXPECT_EQ(types,
              (std::map<std::string, std::string>{{R"(["query","horizon_days"])", "int_range"},
                                                  {R"(["query","since"])", "datetime_parsing"},
                                                  {R"(["query","colour"])", "extra_forbidden"}}));
    EXPECT_EQ(bad.dump().find("yesterday"), std::string::npos);
    const auto reversed =
        Get(client, "/api/v1/monitoring/performance?since=2026-02-01&until=2026-01-01", 422);
    EXPECT_EQ(reversed["detail"][0]["loc"], Json::array({"query", "until"}));
    const auto unknown = Get(client, "/api/v1/monitoring/performance?model_version=v9", 404);
    EXPECT_NE(unknown["detail"].get<std::string>().find(kDefault), std::string::npos);
    const auto days = Get(client, "/api/v1/monitoring/drift?days=0", 422);
    EXPECT_EQ(days["detail"][0]["loc"], Json::array({"query", "days"}));
    EXPECT_EQ(Get(client, "/api/v1/monitoring/drift?model_version=v9", 404)["detail"].is_string(),
              true);
}

INSTANTIATE_TEST_SUITE_P(Backends,
                         MonitoringTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(Backends,
                         LiveMonitoringTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres,
                                           Backend::kPgBouncer),
                         BackendName);

}  // namespace
}  // namespace attrition::test::monitoring_test
