// Hot reload of the model repository, against the real binary: POST /api/v1/models/reload and
// SIGHUP pick up added, replaced, broken, removed versions and a default switched in
// serving.json, while clients keep scoring. Every request must be answered 200 by the version
// it named (or by a version that was the default), and its log row must carry the version of
// its response. Also: a reload that cannot read the repository is a 409 that changes nothing,
// the reload route needs an API key, and the reloads are counted in /metrics.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness/child_process.hpp"
#include "harness/http_client.hpp"
#include "harness/service_process.hpp"
#include "support/log_support.hpp"

namespace attrition::test::model_reload_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
const std::string kDefault = "xgb_enhanced_v2.0";
const std::string kStable = "stable_v1";
const std::string kCandidate = "candidate_v1";
const std::string kKey = "reload-test-key";

class ModelReloadTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = MakeTempDir("attrition-reload-");
        repository_ = dir_ + "/model";
        AddVersion(kDefault);
        AddVersion(kStable);
        keys_ = WriteApiKeysFile(dir_, kKey);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // A copy of the committed artifact named `version`; `training_date` makes its files differ.
    void AddVersion(const std::string& version, const std::string& training_date = "") const {
        const auto committed = fs::path(SourceDir()) / "model" / kDefault;
        const auto staging = fs::path(repository_) / (".staging-" + version);
        fs::create_directories(staging);
        fs::copy_file(committed / "booster.json", staging / "booster.json",
                      fs::copy_options::overwrite_existing);
        std::ifstream in(committed / "metadata.json");
        auto metadata = json::parse(in);
        metadata["model_version"] = version;
        if (!training_date.empty()) metadata["training_date"] = training_date;
        std::ofstream(staging / "metadata.json") << metadata.dump();
        // As an operator should: a complete folder renamed into place.
        const auto target = fs::path(repository_) / version;
        fs::remove_all(target);
        fs::rename(staging, target);
    }
    void Break(const std::string& version) const {
        std::ofstream(fs::path(repository_) / version / "booster.json", std::ios::trunc) << "{";
    }
    void Remove(const std::string& version) const {
        fs::remove_all(fs::path(repository_) / version);
    }
    void NameDefault(const std::string& version) const {
        const auto staging = fs::path(repository_) / ".serving.json";
        std::ofstream(staging) << json{{"default", version}}.dump();
        fs::rename(staging, fs::path(repository_) / "serving.json");
    }

    ServiceOptions Options() const {
        return ServiceOptions{
            .flags = {"--default-model", kDefault},
            .env = {{"OC5_MODEL_DIR", repository_}, {"OC5_API_KEYS_FILE", keys_}}};
    }

    std::string dir_;
    std::string repository_;
    std::string keys_;
};

json Reload(HttpClient& client, int expected_status = 200) {
    auto headers = Bearer(kKey);
    const auto answer = client.Post("/api/v1/models/reload", "", headers);
    EXPECT_EQ(answer.status, expected_status) << answer.body;
    return json::parse(answer.body, nullptr, false);
}

// The sum of attrition_model_reloads_total over its results.
double ReloadsCounted(HttpClient& client) {
    const auto metrics = client.Get("/metrics", Bearer(kKey));
    double total = 0;
    std::size_t at = 0;
    const std::string name = "attrition_model_reloads_total{";
    while ((at = metrics.body.find(name, at)) != std::string::npos) {
        const auto space = metrics.body.find(' ', at);
        total += std::stod(metrics.body.substr(space + 1));
        at = space;
    }
    return total;
}

struct Scored {
    std::string employee_id;
    std::string asked;  // the X-Model-Version sent; empty: the default
    int status = 0;
    std::string version;  // metadata.model_version of the response
};

TEST_F(ModelReloadTest, TwentyChangesUnderLoadFailNoRequestAndMisversionNone) {
    ServiceProcess service(Options());
    std::atomic<bool> stop{false};
    std::mutex mutex;
    std::vector<Scored> scored;
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
        clients.emplace_back([&, c] {
            HttpClient client(service.Port());
            std::vector<Scored> mine;
            for (int i = 0; !stop; ++i) {
                Scored s{"reload-c" + std::to_string(c) + "-r" + std::to_string(i),
                         i % 3 == 0   ? kStable
                         : i % 3 == 1 ? kDefault
                                      : "",
                         0, ""};
                auto body = SampleEmployee(i);
                body["employee_id"] = s.employee_id;
                std::map<std::string, std::string> headers{{"Content-Type", "application/json"}};
                if (!s.asked.empty()) headers["X-Model-Version"] = s.asked;
                const auto answer = client.Post("/api/v1/predict", body.dump(), headers);
                s.status = answer.status;
                if (answer.status == 200) {
                    s.version = json::parse(answer.body)["metadata"]["model_version"];
                }
                mine.push_back(std::move(s));
            }
            std::lock_guard lock(mutex);
            scored.insert(scored.end(), mine.begin(), mine.end());
        });
    }

    HttpClient admin(service.Port());
    int by_signal = 0;
    // Each step changes the repository, then reloads (every third by SIGHUP) and checks the
    // change took effect before the next.
    const std::vector<std::function<void()>> steps{
        [&] { AddVersion(kCandidate); },
        [&] { AddVersion(kCandidate, "2026-11-01"); },  // replaced
        [&] { NameDefault(kCandidate); },
        [&] { Break(kCandidate); },  // refused: the previous candidate serves on
        [&] { AddVersion(kCandidate, "2026-11-02"); },
        [&] { NameDefault(kDefault); },
        [&] { AddVersion("extra_v1"); },
        [&] { Break("extra_v1"); },
        [&] { Remove("extra_v1"); },
        [&] { NameDefault(kCandidate); },
        [&] { AddVersion(kCandidate, "2026-11-03"); },  // the default replaced
        [&] { AddVersion("extra_v2"); },
        [&] { NameDefault("extra_v2"); },
        [&] { Remove(kCandidate); },
        [&] { NameDefault(kDefault); },
        [&] { Remove("extra_v2"); },
        [&] { AddVersion(kCandidate, "2026-11-04"); },
        [&] { NameDefault(kCandidate); },
        [&] { NameDefault(kDefault); },
        [&] { Remove(kCandidate); },
    };
    ASSERT_EQ(steps.size(), 20U);
    for (std::size_t step = 0; step < steps.size(); ++step) {
        SCOPED_TRACE(step);
        steps[step]();
        if (step % 3 == 2) {
            const double before = ReloadsCounted(admin);
            service.Signal(SIGHUP);
            ++by_signal;
            EXPECT_TRUE(Eventually([&] { return ReloadsCounted(admin) > before; },
                                   std::chrono::seconds(30)));
        } else {
            const auto report = Reload(admin);
            EXPECT_FALSE(report["changes"].empty()) << report.dump();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
    }
    stop = true;
    for (auto& client : clients) client.join();

    // What the repository says now, and the failures it reported on the way.
    const auto listed = json::parse(admin.Get("/api/v1/models").body);
    EXPECT_EQ(listed["default"], kDefault);
    EXPECT_EQ(listed["models"].size(), 2U) << listed.dump();
    const auto metrics = admin.Get("/metrics", Bearer(kKey)).body;
    EXPECT_NE(metrics.find("attrition_model_reloads_total{result=\"refused\"} 2"),
              std::string::npos)
        << metrics;
    EXPECT_NE(
        metrics.find("attrition_model_info{version=\"" + kCandidate + "\",default=\"true\"} 0"),
        std::string::npos);

    std::size_t failed = 0;
    std::size_t misversioned = 0;
    std::map<std::string, int> defaults_seen;
    std::map<std::string, std::string> answered;  // employee_id -> version
    for (const auto& s : scored) {
        if (s.status != 200) {
            ++failed;
            continue;
        }
        answered[s.employee_id] = s.version;
        if (!s.asked.empty() && s.version != s.asked) ++misversioned;
        if (s.asked.empty()) {
            ++defaults_seen[s.version];
            const std::set<std::string> defaults{kDefault, kCandidate, "extra_v2"};
            if (!defaults.contains(s.version)) ++misversioned;
        }
    }
    EXPECT_EQ(failed, 0U);
    EXPECT_EQ(misversioned, 0U);
    EXPECT_GT(defaults_seen[kCandidate], 0);  // the switch happened under load
    EXPECT_GT(defaults_seen[kDefault], 0);

    service.Stop();
    const auto probe = LogProbe::Sqlite(service.WorkingDir() + "/var/attrition.db");
    std::size_t rows = 0;
    std::size_t mismatched = 0;
    for (const auto& row : probe.Rows("SELECT employee_id, model_version FROM predictions")) {
        ++rows;
        const auto found = answered.find(row[0].value_or(""));
        if (found == answered.end() || found->second != row[1].value_or("")) ++mismatched;
    }
    EXPECT_EQ(rows, answered.size());
    EXPECT_EQ(mismatched, 0U);
    PrintFigures("model_reload_under_load",
                 {{"requests", static_cast<long long>(scored.size())},
                  {"reloads", static_cast<long long>(steps.size())},
                  {"by_sighup", by_signal},
                  {"failed", static_cast<long long>(failed)},
                  {"misversioned", static_cast<long long>(misversioned)},
                  {"log_rows", static_cast<long long>(rows)},
                  {"log_mismatches", static_cast<long long>(mismatched)}});
}

TEST_F(ModelReloadTest, AnUnreadableServingFileIsA409ThatChangesNothing) {
    ServiceProcess service(Options());
    HttpClient client(service.Port());
    const auto before = client.Get("/api/v1/models").body;
    std::ofstream(fs::path(repository_) / "serving.json") << R"({"default": 1})";
    AddVersion(kCandidate);
    const auto refused = Reload(client, 409);
    EXPECT_EQ(refused["detail"],
              "Reload refused, nothing changed: serving.json: \"default\" must be a non-empty "
              "string");
    EXPECT_EQ(client.Get("/api/v1/models").body, before);
    EXPECT_NE(client.Get("/metrics", Bearer(kKey))
                  .body.find("attrition_model_reloads_total{result=\"error\"} 1"),
              std::string::npos);
}

// A FIFO where a file should be held the reload, every later one and shutdown (issue 26,
// defect 3): now its version fails at once with the reason, and SIGTERM still ends the process.
TEST_F(ModelReloadTest, AFifoInTheRepositoryFailsItsVersionAndHoldsNothing) {
    ServiceProcess service(Options());
    HttpClient client(service.Port());
    const auto folder = fs::path(repository_) / "fifo_v1";
    fs::create_directories(folder);
    ASSERT_EQ(::mkfifo((folder / "booster.json").c_str(), 0600), 0);
    ASSERT_EQ(::mkfifo((folder / "metadata.json").c_str(), 0600), 0);
    for (int i = 0; i < 2; ++i) {
        const auto report = Reload(client);
        ASSERT_EQ(report["changes"].size(), i == 0 ? 1U : 0U) << report;
        if (i == 0) {
            EXPECT_EQ(report["changes"][0]["version"], "fifo_v1");
            EXPECT_EQ(report["changes"][0]["action"], "failed");
            EXPECT_NE(report["changes"][0]["reason"].get<std::string>().find("not a regular file"),
                      std::string::npos)
                << report;
        }
    }
    EXPECT_EQ(service.Stop(), 0);
}

TEST_F(ModelReloadTest, TheReloadRouteNeedsAnApiKey) {
    ServiceProcess service(Options());
    HttpClient client(service.Port());
    EXPECT_EQ(client.Post("/api/v1/models/reload", "").status, 401);
    const auto report = Reload(client);
    EXPECT_EQ(report, (json{{"default", kDefault},
                            {"shadow", nullptr},
                            {"changes", json::array()},
                            {"refused", 0}}));
}

// Issue 29: a reload that changes the default has the monitoring job compute the new default's
// figures at once; no gauge goes on describing the old one until the next daily run.
TEST_F(ModelReloadTest, ANewDefaultGetsItsMonitoringFiguresAtOnce) {
    auto options = Options();
    options.flags.push_back("--migrate");
    options.env["OC5_DATABASE_URL"] = "sqlite:///" + dir_ + "/log.db";
    ServiceProcess service(options);
    HttpClient client(service.Port());
    const auto exported = [&](const std::string& version) {
        return client.Get("/metrics", Bearer(kKey))
                   .body.find("attrition_cv_roc_auc{model_version=\"" + version + "\"}") !=
               std::string::npos;
    };
    ASSERT_TRUE(Eventually([&] { return exported(kDefault); })) << "no figures at start";
    EXPECT_FALSE(exported(kStable));
    NameDefault(kStable);
    EXPECT_EQ(Reload(client)["default"], kStable);
    EXPECT_TRUE(Eventually([&] { return exported(kStable) && !exported(kDefault); }))
        << "the gauges still describe the old default";
}

}  // namespace
}  // namespace attrition::test::model_reload_test
