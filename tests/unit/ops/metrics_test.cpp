#include "ops/metrics.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <thread>
#include <vector>

namespace attrition::ops {
namespace {

bool Contains(const std::string& text, const std::string& line) {
    return text.find(line) != std::string::npos;
}

TEST(MetricsTest, CounterFamilyExposesEachLabelSet) {
    Registry registry;
    auto& requests =
        registry.AddCounter("http_requests_total", "HTTP requests", {"route", "status"});
    requests.With({"/health", "200"}).Inc();
    requests.With({"/health", "200"}).Inc();
    requests.With({"/api/v1/predict", "422"}).Inc(3);
    const auto text = registry.Expose();
    EXPECT_TRUE(Contains(text, "# HELP http_requests_total HTTP requests\n"));
    EXPECT_TRUE(Contains(text, "# TYPE http_requests_total counter\n"));
    EXPECT_TRUE(Contains(text, "http_requests_total{route=\"/health\",status=\"200\"} 2\n"));
    EXPECT_TRUE(
        Contains(text, "http_requests_total{route=\"/api/v1/predict\",status=\"422\"} 3\n"));
}

TEST(MetricsTest, ReplaceSwapsTheWholeSetOfSeries) {
    Registry registry;
    auto& psi = registry.AddGauge("feature_psi", "PSI", {"feature"});
    const auto gauge = [](double value) {
        auto g = std::make_unique<Gauge>();
        g->Set(value);
        return g;
    };
    std::map<LabelValues, std::unique_ptr<Gauge>> first;
    first[{"age"}] = gauge(0.5);
    first[{"genre"}] = gauge(0.01);
    psi.Replace(std::move(first));
    auto text = registry.Expose();
    EXPECT_TRUE(Contains(text, "feature_psi{feature=\"age\"} 0.5\n"));
    EXPECT_TRUE(Contains(text, "feature_psi{feature=\"genre\"} 0.01\n"));
    std::map<LabelValues, std::unique_ptr<Gauge>> second;
    second[{"poste"}] = gauge(0.2);
    psi.Replace(std::move(second));
    text = registry.Expose();
    EXPECT_FALSE(Contains(text, "feature=\"age\""));  // a series no longer computed is gone
    EXPECT_TRUE(Contains(text, "feature_psi{feature=\"poste\"} 0.2\n"));
}

TEST(MetricsTest, CounterIgnoresNegativeIncrements) {
    Counter counter;
    counter.Inc(2);
    counter.Inc(-5);
    EXPECT_EQ(counter.Value(), 2);
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithSumAndCount) {
    Registry registry;
    auto& latency = registry.AddHistogram("latency_seconds", "Latency", {"route"}, {0.1, 1.0});
    auto& child = latency.With({"/x"});
    child.Observe(0.05);
    child.Observe(0.5);
    child.Observe(0.5);
    child.Observe(3.0);
    const auto text = registry.Expose();
    EXPECT_TRUE(Contains(text, "latency_seconds_bucket{route=\"/x\",le=\"0.1\"} 1\n"));
    EXPECT_TRUE(Contains(text, "latency_seconds_bucket{route=\"/x\",le=\"1\"} 3\n"));
    EXPECT_TRUE(Contains(text, "latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n"));
    EXPECT_TRUE(Contains(text, "latency_seconds_sum{route=\"/x\"} 4.05\n"));
    EXPECT_TRUE(Contains(text, "latency_seconds_count{route=\"/x\"} 4\n"));
}

TEST(MetricsTest, CollectorsRunBeforeExposition) {
    Registry registry;
    auto& depth = registry.AddGauge("queue_depth", "Queue depth").With({});
    int calls = 0;
    registry.AddCollector([&] { depth.Set(++calls * 10); });
    EXPECT_TRUE(Contains(registry.Expose(), "queue_depth 10\n"));
    EXPECT_TRUE(Contains(registry.Expose(), "queue_depth 20\n"));
}

TEST(MetricsTest, LabelValuesAreEscaped) {
    Registry registry;
    registry.AddCounter("c_total", "C", {"v"}).With({"a\"b\\c\nd"}).Inc();
    EXPECT_TRUE(Contains(registry.Expose(), "c_total{v=\"a\\\"b\\\\c\\nd\"} 1\n"));
}

TEST(MetricsTest, ConcurrentUpdatesAreNotLost) {
    Registry registry;
    auto& counter = registry.AddCounter("n_total", "N").With({});
    auto& histogram = registry.AddHistogram("h", "H", {}, {1.0}).With({});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) {
                counter.Inc();
                histogram.Observe(0.5);
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(counter.Value(), 40000);
    EXPECT_EQ(histogram.Read().count, 40000U);
    EXPECT_EQ(histogram.Read().sum, 20000);
}

}  // namespace
}  // namespace attrition::ops
