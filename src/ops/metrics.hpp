// Prometheus metrics: counters, gauges and histograms with labels, and the text exposition
// format (0.0.4). Families are created at startup by the composition root; a child (one label
// set) is resolved once and then updated lock-free through its reference. Resolving a new label
// set takes a lock; updating never does. Registry and all metrics are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace attrition::ops {

using LabelValues = std::vector<std::string>;

class Counter {
  public:
    void Inc(double amount = 1.0) noexcept;
    double Value() const noexcept { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<double> value_{0.0};
};

class Gauge {
  public:
    void Set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }
    void Add(double amount) noexcept;
    double Value() const noexcept { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<double> value_{0.0};
};

class Histogram {
  public:
    explicit Histogram(const std::vector<double>& upper_bounds);
    void Observe(double value) noexcept;
    // Cumulative counts per bound (then +Inf), sum, count: a consistent-enough snapshot.
    struct Snapshot {
        std::vector<std::uint64_t> cumulative;
        double sum = 0;
        std::uint64_t count = 0;
    };
    Snapshot Read() const;
    const std::vector<double>& Bounds() const noexcept { return bounds_; }

  private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1 (for +Inf)
    std::atomic<double> sum_{0.0};
};

enum class MetricType { kCounter, kGauge, kHistogram };

// One metric name with its help text and label names; children per label values.
template <class Metric>
class Family {
  public:
    Family(std::string name,
           std::string help,
           std::vector<std::string> label_names,
           std::function<std::unique_ptr<Metric>()> make);
    // The child for these label values (created on first use). Hold the reference.
    Metric& With(const LabelValues& values);
    const std::string& Name() const { return name_; }
    const std::string& Help() const { return help_; }
    const std::vector<std::string>& LabelNames() const { return label_names_; }
    // Replaces every child at once: an exposition sees the old set or the new one. References
    // from With() to the old children dangle, so a family is set either this way or by With().
    void Replace(std::map<LabelValues, std::unique_ptr<Metric>> children);
    // Calls fn(label values, metric) for each child under a shared lock.
    void ForEach(const std::function<void(const LabelValues&, const Metric&)>& fn) const;

  private:
    std::string name_;
    std::string help_;
    std::vector<std::string> label_names_;
    std::function<std::unique_ptr<Metric>()> make_;
    mutable std::shared_mutex mutex_;
    std::map<LabelValues, std::unique_ptr<Metric>> children_;
};

class Registry {
  public:
    Family<Counter>& AddCounter(std::string name,
                                std::string help,
                                std::vector<std::string> label_names = {});
    Family<Gauge>& AddGauge(std::string name,
                            std::string help,
                            std::vector<std::string> label_names = {});
    Family<Histogram>& AddHistogram(std::string name,
                                    std::string help,
                                    std::vector<std::string> label_names,
                                    std::vector<double> upper_bounds);
    // Runs before each exposition, e.g. to copy queue depths into gauges.
    void AddCollector(std::function<void()> collector);

    // The Prometheus text format of every family.
    std::string Expose() const;

  private:
    mutable std::mutex collectors_mutex_;
    std::vector<std::function<void()>> collectors_;
    std::deque<Family<Counter>> counters_;
    std::deque<Family<Gauge>> gauges_;
    std::deque<Family<Histogram>> histograms_;
    std::vector<std::pair<MetricType, std::size_t>> order_;  // exposition order
};

// Latency buckets in seconds, from 50 µs to 10 s.
std::vector<double> LatencyBuckets();

// Escapes a label value for the text format (backslash, quote, newline).
std::string EscapeLabelValue(std::string_view value);

}  // namespace attrition::ops
