#include "e2e/support/api_suite.hpp"

#include <iostream>

namespace attrition::test {

std::unique_ptr<ServiceProcess> ApiSuite::service_;

void ApiSuite::SetUpTestSuite() {
    service_ = std::make_unique<ServiceProcess>(
        ServiceOptions{.flags = {"--threads", "2"}, .env = {{"OC5_DATABASE_URL", "none"}}});
}

void ApiSuite::TearDownTestSuite() { service_.reset(); }

void ApiSuite::SetUp() {
    ASSERT_NE(service_, nullptr) << "the service did not start";
    client_ = std::make_unique<HttpClient>(service_->Port());
}

void ApiSuite::TearDown() {
    client_.reset();
    if (!HasFailure() || service_ == nullptr) return;
    // The suite shares one service: its log since start can be long; the end is what matters.
    constexpr std::size_t kTailBytes = 6000;
    const std::string log = service_->Log();
    const std::size_t from = log.size() > kTailBytes ? log.size() - kTailBytes : 0;
    std::cerr << "---- attrition log, last " << (log.size() - from) << " bytes ----\n"
              << log.substr(from) << "---- end of log ----\n";
}

ServiceProcess& ApiSuite::Service() { return *service_; }

HttpResponse ApiSuite::Post(const std::string& target, const nlohmann::json& body) {
    return client_->Post(target, body.dump());
}

nlohmann::json ApiSuite::Predict(const nlohmann::json& employee) {
    const auto response = Post("/api/v1/predict", employee);
    EXPECT_EQ(response.status, 200) << response.body;
    return StrictJson(response);
}

nlohmann::json ApiSuite::Explain(const nlohmann::json& employee, const std::string& target) {
    const auto response = Post(target, employee);
    EXPECT_EQ(response.status, 200) << response.body;
    return StrictJson(response);
}

nlohmann::json StrictJson(const HttpResponse& response) {
    EXPECT_EQ(response.Header("content-type"), "application/json") << response.body;
    // nlohmann's parser is strict: NaN, Infinity, comments and trailing commas are errors.
    auto parsed = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false,
                                        /*ignore_comments=*/false);
    EXPECT_FALSE(parsed.is_discarded()) << "not strict JSON: " << response.body;
    return parsed;
}

nlohmann::json ExpectOneIssue(const HttpResponse& response,
                              const nlohmann::json& loc,
                              const std::string& type) {
    EXPECT_EQ(response.status, 422) << response.body;
    const auto body = StrictJson(response);
    if (!body.is_object() || !body.contains("detail") || !body["detail"].is_array() ||
        body["detail"].size() != 1) {
        ADD_FAILURE() << "expected one validation issue, got: " << response.body;
        return nlohmann::json(nlohmann::json::value_t::discarded);
    }
    const auto& issue = body["detail"][0];
    EXPECT_EQ(issue["loc"], loc) << response.body;
    EXPECT_EQ(issue["type"], type) << response.body;
    EXPECT_TRUE(issue["msg"].is_string() && !issue["msg"].get<std::string>().empty())
        << response.body;
    return issue;
}

bool BodyContains(const HttpResponse& response, const std::string& text) {
    return response.body.find(text) != std::string::npos;
}

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

}  // namespace attrition::test
