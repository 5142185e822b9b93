// Black-box tests of `attrition serve`: the real binary on a free port.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "harness/child_process.hpp"
#include "harness/http_client.hpp"
#include "harness/service_process.hpp"

namespace attrition::test::serve_test {
namespace {

// "2026-11-27T09:23:32.123456Z": digits where the pattern has 9, the rest literal.
bool LooksLikeTimestamp(const std::string& value) {
    const std::string pattern = "9999-99-99T99:99:99.999999Z";
    if (value.size() != pattern.size()) return false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const bool ok =
            pattern[i] == '9' ? (value[i] >= '0' && value[i] <= '9') : value[i] == pattern[i];
        if (!ok) return false;
    }
    return true;
}

TEST(ServeTest, HealthHasTheSpecShape) {
    ServiceProcess service({.flags = {"--threads", "2"}, .env = {{"OC5_DATABASE_URL", "none"}}});
    HttpClient client(service.Port());
    const auto response = client.Get("/health");
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(response.Header("content-type"), "application/json");
    const auto body = nlohmann::json::parse(response.body);
    EXPECT_TRUE(body["status"] == "healthy" || body["status"] == "unhealthy");
    EXPECT_TRUE(body["model_loaded"].is_boolean());
    EXPECT_EQ(body["model_loaded"].get<bool>(), body["model_version"].is_string());
    EXPECT_EQ(body["status"] == "healthy", body["model_loaded"].get<bool>());
    EXPECT_TRUE(LooksLikeTimestamp(body["timestamp"].get<std::string>())) << body["timestamp"];
}

TEST(ServeTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
    ServiceProcess service({.env = {{"OC5_DATABASE_URL", "none"}}});
    HttpClient client(service.Port());
    const auto missing = client.Get("/no/such/path");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(nlohmann::json::parse(missing.body)["detail"], "Not Found");
    const auto wrong = client.Send("DELETE", "/health", "", {});
    EXPECT_EQ(wrong.status, 405);
    EXPECT_EQ(wrong.Header("allow"), "GET, HEAD");
}

TEST(ServeTest, KeepAliveServesManyRequestsOnOneConnection) {
    ServiceProcess service({.env = {{"OC5_DATABASE_URL", "none"}}});
    HttpClient client(service.Port());
    for (int i = 0; i < 200; ++i) {
        const auto response = client.Get("/health");
        ASSERT_EQ(response.status, 200) << "request " << i;
        ASSERT_TRUE(response.keep_alive);
    }
}

TEST(ServeTest, PipelinedRequestsAreAnsweredInOrder) {
    ServiceProcess service({.env = {{"OC5_DATABASE_URL", "none"}}});
    HttpClient client(service.Port());
    std::string burst;
    for (int i = 0; i < 5; ++i) {
        burst += "GET /health HTTP/1.1\r\nHost: x\r\nX-Request-ID: req-" + std::to_string(i) +
                 "\r\n\r\n";
    }
    client.WriteRaw(burst);
    for (int i = 0; i < 5; ++i) {
        const auto response = client.ReadResponse();
        EXPECT_EQ(response.status, 200);
        EXPECT_EQ(response.Header("x-request-id"), "req-" + std::to_string(i));
    }
}

TEST(ServeTest, RequestIdIsEchoedOrGenerated) {
    ServiceProcess service({.env = {{"OC5_DATABASE_URL", "none"}}});
    HttpClient client(service.Port());
    EXPECT_EQ(client.Get("/health", {{"X-Request-ID", "abc-123"}}).Header("x-request-id"),
              "abc-123");
    const auto generated = client.Get("/health").Header("x-request-id");
    EXPECT_EQ(generated.size(), 36U);  // a UUIDv7: api_protocol_test checks its form and order
    // A header-injection attempt is not echoed; a fresh id replaces it.
    EXPECT_NE(client.Get("/health", {{"X-Request-ID", "bad id; x"}}).Header("x-request-id"),
              "bad id; x");
}

TEST(ServeTest, SigtermFinishesInFlightAndExitsZero) {
    ServiceProcess service({.env = {{"OC5_DATABASE_URL", "none"}}});
    HttpClient idle(service.Port());
    ASSERT_EQ(idle.Get("/health").status, 200);
    EXPECT_EQ(service.Stop(), 0);
    EXPECT_TRUE(idle.ServerClosed());
    EXPECT_NE(service.Log().find("msg=stopped"), std::string::npos);
}

TEST(ServeTest, FlagsWinOverEnvironment) {
    // OC5_PORT names a port nobody listens on; the --port flag given by the fixture wins.
    ServiceProcess service({.env = {{"OC5_DATABASE_URL", "none"}, {"OC5_PORT", "1"}}});
    HttpClient client(service.Port());
    EXPECT_EQ(client.Get("/health").status, 200);
}

TEST(ServeTest, BadLogLevelIsRefusedAtStartup) {
    std::string output;
    const int code = RunCommand(
        {.argv = {AttritionBinary(), "--log-level", "loud", "serve", "--port", "0"}}, &output);
    EXPECT_NE(code, 0);
    EXPECT_NE(output.find("unknown log level"), std::string::npos) << output;
}

// `serve` from a temp folder, its model and web folders as given; its exit code and output.
int ServeOnce(const std::string& model_dir,
              const std::string& web_dir,
              std::vector<std::string> flags,
              std::string* output) {
    SpawnOptions spawn{.argv = {AttritionBinary(), "serve", "--host", "127.0.0.1", "--port", "0"},
                       .env = {{"OC5_DATABASE_URL", "none"},
                               {"OC5_MODEL_DIR", model_dir},
                               {"OC5_WEB_DIR", web_dir}},
                       .working_dir = MakeTempDir("attrition-serve-once")};
    spawn.argv.insert(spawn.argv.end(), flags.begin(), flags.end());
    return RunCommand(spawn, output);
}

// What an operator mistypes is named as what it is: a folder that is not there, not a package
// to install; two different defaults, not one silently ignored.
TEST(ServeTest, StartUpNamesAMissingWebFolderAndRefusesDisagreeingDefaults) {
    std::string output;
    const std::string missing_web = MakeTempDir("attrition-no-web") + "/web";
    EXPECT_NE(ServeOnce(SourceDir() + "/model", missing_web, {}, &output), 0);
    EXPECT_NE(output.find("the web folder " + missing_web + " does not exist (--web-dir)"),
              std::string::npos)
        << output;
    EXPECT_EQ(output.find("npm"), std::string::npos) << output;

    // The committed repository's serving.json names xgb_enhanced_v2.0.
    EXPECT_NE(ServeOnce(SourceDir() + "/model", SourceDir() + "/web",
                        {"--default-model", "xgb_enhanced_v2.1"}, &output),
              0);
    EXPECT_NE(output.find("serving.json names xgb_enhanced_v2.0 as the default version but "
                          "--default-model names xgb_enhanced_v2.1: remove one of them"),
              std::string::npos)
        << output;
}

// A missing model folder is said to be missing (the service runs unhealthy, as with an empty
// one), and the start log names the folders in use, absolute.
TEST(ServeTest, StartLogNamesTheFoldersInUseAndAMissingModelFolder) {
    const std::string missing_models = MakeTempDir("attrition-no-models") + "/model";
    ServiceProcess service(
        {.env = {{"OC5_DATABASE_URL", "none"}, {"OC5_MODEL_DIR", missing_models}}});
    const auto log = service.Log();
    EXPECT_NE(log.find("msg=\"model not loaded\" dir=" + missing_models +
                       " reason=\"the model folder does not exist (--model-dir)\""),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("model_dir=" + missing_models + " web_dir=" + SourceDir() + "/web"),
              std::string::npos)
        << log;
}

TEST(ServeTest, VersionAndHelpOnEverySubcommand) {
    std::string output;
    EXPECT_EQ(RunCommand({.argv = {AttritionBinary(), "--version"}}, &output), 0);
    EXPECT_NE(output.find("attrition "), std::string::npos);
    EXPECT_EQ(RunCommand({.argv = {AttritionBinary(), "serve", "--help"}}, &output), 0);
    EXPECT_NE(output.find("--port"), std::string::npos);
}

}  // namespace
}  // namespace attrition::test::serve_test
