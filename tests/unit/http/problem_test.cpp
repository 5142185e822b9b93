// The one mapping from errors to HTTP (http/problem.hpp): each path answers in its dialect —
// the Open Inference Protocol's {"error": "..."} (invalid input a 400) under /v2, FastAPI's
// {"detail": ...} (invalid input a 422) elsewhere — and every code has its status.
#include "http/problem.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace attrition::http {
namespace {

using base::ErrorCode;
using nlohmann::json;

base::Error TwoIssues() {
    base::Error error = base::Error::Make(ErrorCode::kInvalidInput, "invalid");
    error.issues.push_back({{"body", "age"}, "Input should be greater than or equal to 18", "x"});
    error.issues.push_back({{"body", "genre"}, "Field required", "missing"});
    return error;
}

TEST(ProblemTest, APathUnderV2IsAnsweredInTheProtocolsShape) {
    for (const auto* target : {"/v2", "/v2/", "/v2/models/attrition/infer?x=1", "/v2?x"}) {
        EXPECT_EQ(DialectOf(target), ErrorDialect::kOpenInference) << target;
    }
    for (const auto* target : {"/", "/v2x", "/api/v2/models", "/api/v1/predict?v2"}) {
        EXPECT_EQ(DialectOf(target), ErrorDialect::kDetail) << target;
    }
    const Request v2{Verb::post, "/v2/models/attrition/infer", 11};
    const auto invalid = ErrorResponse(v2, TwoIssues());
    EXPECT_EQ(invalid.result_int(), 400U);
    EXPECT_EQ(
        json::parse(invalid.body()),
        (json{{"error", "body.age: Input should be greater than or equal to 18 (and 1 more)"}}));
    const auto internal =
        ErrorResponse(v2, base::Error::Make(ErrorCode::kInternal, "pointer 0x1234 was null"));
    EXPECT_EQ(internal.result_int(), 500U);
    EXPECT_EQ(json::parse(internal.body()), (json{{"error", "Internal Server Error"}}));
    const auto expectation = ErrorResponse(v2, Status::expectation_failed, "Only 100-continue");
    EXPECT_EQ(json::parse(expectation.body()), (json{{"error", "Only 100-continue"}}));
}

TEST(ProblemTest, OtherPathsAreAnsweredAsFastApiDoes) {
    const Request v1{Verb::post, "/api/v1/predict", 11};
    const auto invalid = ErrorResponse(v1, TwoIssues());
    EXPECT_EQ(invalid.result_int(), 422U);
    const auto body = json::parse(invalid.body());
    ASSERT_EQ(body["detail"].size(), 2U);
    EXPECT_EQ(body["detail"][0]["loc"], (json{"body", "age"}));
    const auto conflict =
        ErrorResponse(v1, base::Error::Make(ErrorCode::kConflict, "Reload refused"));
    EXPECT_EQ(conflict.result_int(), 409U);
    EXPECT_EQ(json::parse(conflict.body()), (json{{"detail", "Reload refused"}}));
}

TEST(ProblemTest, EveryCodeHasItsStatus) {
    const std::pair<ErrorCode, unsigned> expected[] = {
        {ErrorCode::kInvalidInput, 422},
        {ErrorCode::kMalformedRequest, 422},
        {ErrorCode::kBadRequest, 400},
        {ErrorCode::kForbidden, 403},
        {ErrorCode::kMethodNotAllowed, 405},
        {ErrorCode::kConflict, 409},
        {ErrorCode::kNotImplemented, 501},
        {ErrorCode::kPayloadTooLarge, 413},
        {ErrorCode::kUnsupportedMediaType, 415},
        {ErrorCode::kNotFound, 404},
        {ErrorCode::kUnauthorized, 401},
        {ErrorCode::kRateLimited, 429},
        {ErrorCode::kUnavailable, 503},
        {ErrorCode::kOverloaded, 503},
        {ErrorCode::kInternal, 500},
    };
    for (const auto& [code, status] : expected) {
        EXPECT_EQ(static_cast<unsigned>(StatusFor(code)), status) << base::ErrorCodeName(code);
        const unsigned v2 = status == 422 ? 400 : status;
        EXPECT_EQ(static_cast<unsigned>(StatusFor(code, ErrorDialect::kOpenInference)), v2)
            << base::ErrorCodeName(code);
    }
}

}  // namespace
}  // namespace attrition::http
