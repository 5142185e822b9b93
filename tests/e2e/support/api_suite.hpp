// A gtest fixture for black-box contract tests of the HTTP API: one `attrition serve` per test
// suite (SetUpTestSuite), without a prediction log (OC5_DATABASE_URL=none), a fresh keep-alive
// client per test, and the tail of the service log printed after a failed test. Plus helpers
// that parse every JSON response strictly. Drive it from the test thread only.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/http_client.hpp"
#include "harness/service_process.hpp"

namespace attrition::test {

class ApiSuite : public ::testing::Test {
  public:
    static void SetUpTestSuite();
    static void TearDownTestSuite();

  protected:
    void SetUp() override;
    void TearDown() override;

    static ServiceProcess& Service();
    HttpClient& Client() { return *client_; }

    // POST a JSON body (Content-Type: application/json) on this test's connection.
    HttpResponse Post(const std::string& target, const nlohmann::json& body);
    // POST one employee to /api/v1/predict, expect 200 and return the parsed body.
    nlohmann::json Predict(const nlohmann::json& employee);
    // POST one employee to /api/v1/explain (target may carry a query), expect 200.
    nlohmann::json Explain(const nlohmann::json& employee,
                           const std::string& target = "/api/v1/explain");

  private:
    static std::unique_ptr<ServiceProcess> service_;
    std::unique_ptr<HttpClient> client_;
};

// The body parsed as strict RFC 8259 JSON (no NaN, Infinity, comments or trailing commas);
// a parse failure or a Content-Type other than application/json fails the current test and
// returns a discarded value.
nlohmann::json StrictJson(const HttpResponse& response);

// Asserts a FastAPI validation error: 422 whose detail has exactly one entry at `loc` with the
// given type; returns that entry (or a discarded value after a failure).
nlohmann::json ExpectOneIssue(const HttpResponse& response,
                              const nlohmann::json& loc,
                              const std::string& type);

// True when the text occurs in the response body (used to prove a value is never echoed).
bool BodyContains(const HttpResponse& response, const std::string& text);

// "2026-11-27T09:23:32.123456Z": ISO 8601 UTC with microseconds.
bool LooksLikeTimestamp(const std::string& value);

}  // namespace attrition::test
