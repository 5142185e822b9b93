// The Open Inference Protocol (KServe V2) REST routes, against the real binary: server and
// model metadata, health, the specification's own request shapes, the tabular mapping (one
// [N] tensor per feature) scoring exactly as /api/v1/predict/batch, errors in the protocol's
// {"error": ...} shape naming the input and rule (never the value), and the log rows an infer
// call leaves (like a batch).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "harness/http_client.hpp"
#include "harness/service_process.hpp"
#include "support/employee_json.hpp"
#include "support/log_support.hpp"

namespace attrition::test::open_inference_test {
namespace {

using nlohmann::json;
const std::string kDefault = "xgb_enhanced_v2.0";
// The committed repository's versions: v1 (the default) and v2.
const std::string kLoaded = "xgb_enhanced_v2.0, xgb_enhanced_v2.1";
const std::string kInfer = "/v2/models/attrition/infer";

json Body(const HttpResponse& response) { return json::parse(response.body, nullptr, false); }

class OpenInferenceTest : public ::testing::Test {
  protected:
    ServiceProcess service_{ServiceOptions{}};
    HttpClient client_{service_.Port()};
};

TEST_F(OpenInferenceTest, ServerMetadataAndHealth) {
    const auto server = client_.Get("/v2");
    ASSERT_EQ(server.status, 200) << server.body;
    EXPECT_EQ(Body(server)["name"], "attrition");
    EXPECT_TRUE(Body(server)["version"].is_string());
    EXPECT_TRUE(Body(server)["extensions"].is_array());
    const auto live = client_.Get("/v2/health/live");
    EXPECT_EQ(live.status, 200);
    EXPECT_EQ(Body(live), (json{{"live", true}}));
    const auto ready = client_.Get("/v2/health/ready");
    EXPECT_EQ(ready.status, 200);
    EXPECT_EQ(Body(ready), (json{{"ready", true}}));
    const auto model_ready = client_.Get("/v2/models/attrition/ready");
    EXPECT_EQ(model_ready.status, 200);
    EXPECT_EQ(Body(model_ready),
              (json{{"name", "attrition"}, {"version", kDefault}, {"ready", true}}));
    EXPECT_EQ(client_.Get("/v2/models/attrition/versions/" + kDefault + "/ready").status, 200);
    const auto unknown = client_.Get("/v2/models/attrition/versions/nope_v0/ready");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(Body(unknown), (json{{"error", "Unknown model version; available: " + kLoaded}}));
}

TEST_F(OpenInferenceTest, ModelMetadataListsEveryInputWithDatatypeAndShape) {
    for (const std::string& path :
         {std::string("/v2/models/attrition"), "/v2/models/attrition/versions/" + kDefault}) {
        SCOPED_TRACE(path);
        const auto answer = client_.Get(path);
        ASSERT_EQ(answer.status, 200) << answer.body;
        const auto metadata = Body(answer);
        EXPECT_EQ(metadata["name"], "attrition");
        // The model lists every loaded version; a version, itself.
        EXPECT_EQ(metadata["versions"], path == "/v2/models/attrition"
                                            ? json::array({kDefault, "xgb_enhanced_v2.1"})
                                            : json::array({kDefault}));
        EXPECT_TRUE(metadata["platform"].is_string());
        // Every field of the /api/v1 contract, with the type its values have there.
        std::map<std::string, std::string> inputs;
        for (const auto& input : metadata["inputs"]) {
            EXPECT_EQ(input["shape"], json::array({-1}));
            inputs[input["name"]] = input["datatype"];
        }
        const auto employee = WithId(SampleEmployee(), "E1");
        EXPECT_EQ(inputs.size(), employee.size());
        for (const auto& [name, value] : employee.items()) {
            SCOPED_TRACE(name);
            ASSERT_TRUE(inputs.contains(name));
            EXPECT_EQ(inputs[name] == "BYTES", value.is_string());
        }
        EXPECT_EQ(inputs["age"], "INT64");
        std::map<std::string, std::string> outputs;
        for (const auto& output : metadata["outputs"]) outputs[output["name"]] = output["datatype"];
        EXPECT_EQ(outputs, (std::map<std::string, std::string>{{"probability_leave", "FP64"},
                                                               {"will_leave", "BOOL"},
                                                               {"risk_level", "BYTES"}}));
    }
}

TEST_F(OpenInferenceTest, AnInferenceScoresExactlyLikeTheBatchEndpointAndIsLoggedLikeOne) {
    const auto batch_body = SampleBatch(7);
    const auto batch = client_.Post("/api/v1/predict/batch", batch_body.dump());
    ASSERT_EQ(batch.status, 200) << batch.body;
    const json request{{"id", "req-42"}, {"inputs", InferInputs(batch_body["employees"])}};
    const auto answer = client_.Post(kInfer, request.dump());
    ASSERT_EQ(answer.status, 200) << answer.body;
    const auto inferred = Body(answer);
    EXPECT_EQ(inferred["id"], "req-42");
    EXPECT_EQ(inferred["model_name"], "attrition");
    EXPECT_EQ(inferred["model_version"], kDefault);
    std::map<std::string, json> outputs;
    for (const auto& output : inferred["outputs"]) {
        EXPECT_EQ(output["shape"], json::array({7})) << output["name"];
        EXPECT_EQ(output["data"].size(), 7U);
        outputs[output["name"]] = output;
    }
    ASSERT_EQ(outputs.size(), 3U);
    EXPECT_EQ(outputs["probability_leave"]["datatype"], "FP64");
    EXPECT_EQ(outputs["will_leave"]["datatype"], "BOOL");
    EXPECT_EQ(outputs["risk_level"]["datatype"], "BYTES");
    const auto batch_answer = Body(batch);
    const auto& expected = batch_answer["predictions"];
    for (std::size_t i = 0; i < 7; ++i) {
        SCOPED_TRACE(i);
        const double probability = outputs["probability_leave"]["data"][i].get<double>();
        EXPECT_GE(probability, 0.0);
        EXPECT_LE(probability, 1.0);
        // The batch answers a percentage with 2 decimals of the same probability.
        EXPECT_DOUBLE_EQ(std::round(probability * 10000.0) / 100.0,
                         expected[i]["probability_leave"].get<double>());
        EXPECT_EQ(outputs["will_leave"]["data"][i], expected[i]["will_leave"]);
        EXPECT_EQ(outputs["risk_level"]["data"][i], expected[i]["risk_level"]);
    }
    // Only the outputs asked for, in their order.
    json some = request;
    some["outputs"] = json::array({{{"name", "risk_level"}}});
    const auto only = Body(client_.Post(kInfer, some.dump()));
    ASSERT_EQ(only["outputs"].size(), 1U) << only.dump();
    EXPECT_EQ(only["outputs"][0]["name"], "risk_level");
    // A named version.
    const auto versioned =
        client_.Post("/v2/models/attrition/versions/" + kDefault + "/infer", request.dump());
    ASSERT_EQ(versioned.status, 200) << versioned.body;
    EXPECT_EQ(Body(versioned)["outputs"], inferred["outputs"]);

    // Logged like a batch: one request row with the count and ids, one prediction per row; the
    // versioned call under the route's endpoint too (its version is in model_version).
    const auto probe = LogProbe::Sqlite(service_.WorkingDir() + "/var/attrition.db");
    EXPECT_EQ(probe.Count("SELECT count(*) FROM predictions p JOIN api_requests r ON "
                          "r.id = p.request_id WHERE r.endpoint = '" +
                          kInfer + "' AND p.model_version = '" + kDefault + "'"),
              21);
    EXPECT_EQ(probe.Count("SELECT count(*) FROM api_requests WHERE endpoint = '" + kInfer +
                          "' AND json_extract(request_data, '$.employee_count') = 7"),
              3);
    EXPECT_EQ(probe.Count("SELECT count(*) FROM api_requests WHERE endpoint LIKE '/v2/%'"), 3);
}

TEST_F(OpenInferenceTest, ErrorsNameTheInputAndTheRuleNeverTheValue) {
    const auto employees = SampleBatch(3)["employees"];
    const auto error_of = [&](const json& body) {
        const auto answer = client_.Post(kInfer, body.dump());
        EXPECT_EQ(answer.status, 400) << answer.body;
        const auto parsed = Body(answer);
        EXPECT_EQ(parsed.size(), 1U) << answer.body;
        return parsed.value("error", std::string());
    };
    // The specification's own example request: tensors this model does not have.
    const json spec_example{
        {"id", "42"},
        {"inputs",
         {{{"name", "input0"}, {"shape", {2, 2}}, {"datatype", "UINT32"}, {"data", {1, 2, 3, 4}}},
          {{"name", "input1"}, {"shape", {3}}, {"datatype", "BOOL"}, {"data", {true}}}}},
        {"outputs", {{{"name", "output0"}}}}};
    EXPECT_EQ(error_of(spec_example).rfind("outputs[0] is not an output of the model", 0), 0U);
    json no_outputs = spec_example;
    no_outputs.erase("outputs");
    EXPECT_EQ(error_of(no_outputs),
              "inputs[0] is not an input of the model (GET /v2/models/attrition lists them)");

    auto inputs = InferInputs(employees);
    const auto with = [&](const std::string& name, const std::string& key, const json& value) {
        json changed = inputs;
        for (auto& input : changed) {
            if (input["name"] == name) input[key] = value;
        }
        return json{{"inputs", changed}};
    };
    EXPECT_EQ(error_of(with("age", "datatype", "BYTES")),
              "input 'age' must have datatype INT64 or FP64");
    EXPECT_EQ(error_of(with("genre", "datatype", "INT64")),
              "input 'genre' must have datatype BYTES");
    EXPECT_EQ(error_of(with("age", "shape", {3, 1})),
              "input 'age' must have shape [N], N >= 1 rows");
    EXPECT_EQ(error_of(with("age", "data", {41, 42})),
              "input 'age' must have 'data', a flat array of its N = 3 values");
    auto shorter = with("age", "shape", {2});
    for (auto& input : shorter["inputs"]) {
        if (input["name"] == "age") input["data"] = {41, 42};
    }
    const auto mismatch = error_of(shorter);
    EXPECT_EQ(mismatch.rfind("input '", 0), 0U) << mismatch;  // the tensor that disagrees
    EXPECT_NE(mismatch.find("every input must have the same shape [N]"), std::string::npos)
        << mismatch;
    const auto range = error_of(with("age", "data", {41, 999, 43}));
    EXPECT_EQ(range.rfind("input 'age', row 1: ", 0), 0U) << range;
    EXPECT_EQ(range.find("999"), std::string::npos) << range;
    const auto vocabulary = error_of(with("genre", "data", {"F", "X-unknown", "M"}));
    EXPECT_EQ(vocabulary.rfind("input 'genre', row 1: ", 0), 0U) << vocabulary;
    EXPECT_EQ(vocabulary.find("X-unknown"), std::string::npos) << vocabulary;
    json missing = inputs;
    missing.erase(missing.begin());
    const auto absent = error_of(json{{"inputs", missing}});
    EXPECT_NE(absent.find("Field required"), std::string::npos) << absent;
    EXPECT_EQ(error_of(json{{"inputs", json::array()}}),
              "'inputs' must be a non-empty array of input tensors");

    const auto unknown =
        client_.Post("/v2/models/attrition/versions/" + std::string(80, 'v') + "/infer",
                     json{{"inputs", inputs}}.dump());
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(Body(unknown), (json{{"error", "Unknown model version; available: " + kLoaded}}));
    const auto not_json = client_.Post(kInfer, "{", {{"Content-Type", "application/json"}});
    EXPECT_EQ(not_json.status, 400);

    // Every refused call is logged with its status, and none left a prediction.
    const auto probe = LogProbe::Sqlite(service_.WorkingDir() + "/var/attrition.db");
    EXPECT_EQ(probe.Count("SELECT count(*) FROM api_requests WHERE endpoint LIKE '/v2/%' AND "
                          "http_status = 400"),
              12);
    EXPECT_EQ(probe.Count("SELECT count(*) FROM api_requests WHERE endpoint = '" + kInfer +
                          "' AND http_status = 404"),
              1);  // logged, though its path is longer than the endpoint column
    EXPECT_EQ(probe.Count("SELECT count(*) FROM predictions"), 0);
}

// What tritonclient.http sends: no Content-Type, outputs asked with {"binary_data": false}.
TEST_F(OpenInferenceTest, ARequestShapedAsTritonClientHttpSendsItIsAnswered) {
    const auto batch = SampleBatch(3);
    const json body{{"inputs", InferInputs(batch["employees"])},
                    {"outputs",
                     {{{"name", "risk_level"}, {"parameters", {{"binary_data", false}}}},
                      {{"name", "will_leave"}, {"parameters", {{"binary_data", false}}}}}}};
    const auto answer =
        client_.Post(kInfer, body.dump(),
                     {{"Accept-Encoding", "identity"}, {"User-Agent", "Python-urllib/3.11"}});
    ASSERT_EQ(answer.status, 200) << answer.body;
    const auto outputs = Body(answer)["outputs"];
    ASSERT_EQ(outputs.size(), 2U);
    EXPECT_EQ(outputs[0]["name"], "risk_level");
    EXPECT_EQ(outputs[1]["name"], "will_leave");
    const auto scored = Body(client_.Post("/api/v1/predict/batch", batch.dump()))["predictions"];
    for (std::size_t row = 0; row < 3; ++row) {
        EXPECT_EQ(outputs[0]["data"][row], scored[row]["risk_level"]);
        EXPECT_EQ(outputs[1]["data"][row], scored[row]["will_leave"]);
    }
}

// Every error of a /v2 route is {"error": "..."}: the router's 404 and 405, a body over the
// limit, a Content-Type that is not JSON, the tensors' own checks; "/v2/" answers as "/v2".
TEST_F(OpenInferenceTest, EveryV2ErrorIsTheProtocolsShape) {
    const auto error_shaped = [](const HttpResponse& answer, int status) {
        EXPECT_EQ(answer.status, status) << answer.body;
        const auto parsed = Body(answer);
        EXPECT_EQ(parsed.size(), 1U) << answer.body;
        EXPECT_TRUE(parsed.contains("error") && parsed["error"].is_string()) << answer.body;
        return parsed.value("error", std::string());
    };
    const auto inputs = InferInputs(SampleBatch(2)["employees"]);
    const std::string body = json{{"inputs", inputs}}.dump();
    error_shaped(client_.Get("/v2/models/no_such_model"), 404);
    error_shaped(client_.Get("/v2/models/no_such_model/ready"), 404);
    error_shaped(client_.Post("/v2/models/no_such_model/infer", body), 404);
    error_shaped(client_.Post("/v2/models/no_such_model/versions/1/infer", body), 404);
    const auto method = client_.Send("DELETE", "/v2/models/attrition", "", {});
    error_shaped(method, 405);
    EXPECT_EQ(method.Header("allow"), "GET, HEAD");
    EXPECT_NE(error_shaped(client_.Post(kInfer, body, {{"Content-Type", "text/plain"}}), 415)
                  .find("Content-Type"),
              std::string::npos);
    HttpClient big(service_.Port());
    error_shaped(big.Post(kInfer, std::string(std::size_t{2} << 20, ' ')), 413);

    const auto bad = [&](const json& request) {
        return error_shaped(client_.Post(kInfer, request.dump()), 400);
    };
    EXPECT_EQ(bad(json{{"inputs", inputs}, {"parameters", "fast"}}),
              "the request's 'parameters' must be an object");
    json with_parameters = inputs;
    with_parameters[0]["parameters"] = 5;
    EXPECT_EQ(
        bad(json{{"inputs", with_parameters}}),
        "input '" + inputs[0]["name"].get<std::string>() + "': 'parameters' must be an object");
    EXPECT_EQ(bad(json{{"inputs", inputs},
                       {"outputs", {{{"name", "will_leave"}, {"parameters", json::array()}}}}}),
              "output 'will_leave': 'parameters' must be an object");
    EXPECT_EQ(bad(json{{"inputs", inputs},
                       {"outputs", {{{"name", "will_leave"}}, {{"name", "attrition_reason"}}}}})
                  .rfind("outputs[1] is not an output of the model", 0),
              0U);

    const auto root = client_.Get("/v2/");
    ASSERT_EQ(root.status, 200);
    EXPECT_EQ(Body(root), Body(client_.Get("/v2")));
}

// The model metadata states the rows one inference may hold; up to it a request is scored.
TEST_F(OpenInferenceTest, BatchesUpToTheLimitTheMetadataStates) {
    const auto metadata = Body(client_.Get("/v2/models/attrition"));
    const auto limit = metadata["parameters"]["max_batch_size"].get<std::size_t>();
    ASSERT_GT(limit, 100U);  // more than /api/v1/predict/batch's
    auto rows = [](std::size_t count) {
        json employees = json::array();
        for (std::size_t i = 0; i < count; ++i) employees.push_back(SampleEmployee());
        return json{{"inputs", InferInputs(employees)}}.dump();
    };
    const auto full = client_.Post(kInfer, rows(limit));
    ASSERT_EQ(full.status, 200) << full.body.substr(0, 200);
    EXPECT_EQ(Body(full)["outputs"][0]["shape"], json::array({limit}));
    const auto over = client_.Post(kInfer, rows(limit + 1));
    EXPECT_EQ(over.status, 400);
    const auto message = Body(over)["error"].get<std::string>();
    EXPECT_EQ(message.rfind("input '", 0), 0U) << message;
    EXPECT_NE(message.find("at most " + std::to_string(limit)), std::string::npos) << message;
}

}  // namespace
}  // namespace attrition::test::open_inference_test
