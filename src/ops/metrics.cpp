#include "ops/metrics.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace attrition::ops {
namespace {

void AtomicAdd(std::atomic<double>& target, double amount) noexcept {
    double current = target.load(std::memory_order_relaxed);
    while (!target.compare_exchange_weak(current, current + amount, std::memory_order_relaxed)) {
    }
}

std::string FormatValue(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    return fmt::format("{}", value);
}

std::string LabelSet(const std::vector<std::string>& names,
                     const LabelValues& values,
                     std::string_view extra_name = {},
                     std::string_view extra_value = {}) {
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
        out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", names[i],
                           EscapeLabelValue(values[i]));
    }
    if (!extra_name.empty()) {
        out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", extra_name, extra_value);
    }
    return out.empty() ? std::string() : "{" + out + "}";
}

std::string EscapeHelp(std::string_view help) {
    std::string out;
    for (const char c : help) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

void Counter::Inc(double amount) noexcept {
    if (amount > 0) AtomicAdd(value_, amount);
}

void Gauge::Add(double amount) noexcept { AtomicAdd(value_, amount); }

Histogram::Histogram(const std::vector<double>& upper_bounds)
    : bounds_(upper_bounds),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(upper_bounds.size() + 1)) {}

void Histogram::Observe(double value) noexcept {
    std::size_t i = 0;
    while (i < bounds_.size() && value > bounds_[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    AtomicAdd(sum_, value);
}

Histogram::Snapshot Histogram::Read() const {
    Snapshot snapshot;
    std::uint64_t running = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        running += buckets_[i].load(std::memory_order_relaxed);
        snapshot.cumulative.push_back(running);
    }
    snapshot.count = running;
    snapshot.sum = sum_.load(std::memory_order_relaxed);
    return snapshot;
}

template <class Metric>
Family<Metric>::Family(std::string name,
                       std::string help,
                       std::vector<std::string> label_names,
                       std::function<std::unique_ptr<Metric>()> make)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      make_(std::move(make)) {}

template <class Metric>
Metric& Family<Metric>::With(const LabelValues& values) {
    {
        std::shared_lock lock(mutex_);
        const auto found = children_.find(values);
        if (found != children_.end()) return *found->second;
    }
    std::unique_lock lock(mutex_);
    auto& slot = children_[values];
    if (!slot) slot = make_();
    return *slot;
}

template <class Metric>
void Family<Metric>::Replace(std::map<LabelValues, std::unique_ptr<Metric>> children) {
    std::unique_lock lock(mutex_);
    children_.swap(children);
}

template <class Metric>
void Family<Metric>::ForEach(
    const std::function<void(const LabelValues&, const Metric&)>& fn) const {
    std::shared_lock lock(mutex_);
    for (const auto& [values, metric] : children_) fn(values, *metric);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Family<Counter>& Registry::AddCounter(std::string name,
                                      std::string help,
                                      std::vector<std::string> label_names) {
    auto& family = counters_.emplace_back(std::move(name), std::move(help), std::move(label_names),
                                          [] { return std::make_unique<Counter>(); });
    order_.emplace_back(MetricType::kCounter, counters_.size() - 1);
    return family;
}

Family<Gauge>& Registry::AddGauge(std::string name,
                                  std::string help,
                                  std::vector<std::string> label_names) {
    auto& family = gauges_.emplace_back(std::move(name), std::move(help), std::move(label_names),
                                        [] { return std::make_unique<Gauge>(); });
    order_.emplace_back(MetricType::kGauge, gauges_.size() - 1);
    return family;
}

Family<Histogram>& Registry::AddHistogram(std::string name,
                                          std::string help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> upper_bounds) {
    auto& family = histograms_.emplace_back(
        std::move(name), std::move(help), std::move(label_names),
        [bounds = std::move(upper_bounds)] { return std::make_unique<Histogram>(bounds); });
    order_.emplace_back(MetricType::kHistogram, histograms_.size() - 1);
    return family;
}

void Registry::AddCollector(std::function<void()> collector) {
    std::lock_guard lock(collectors_mutex_);
    collectors_.push_back(std::move(collector));
}

std::string Registry::Expose() const {
    {
        std::lock_guard lock(collectors_mutex_);
        for (const auto& collector : collectors_) collector();
    }
    std::string out;
    for (const auto& [type, index] : order_) {
        switch (type) {
            case MetricType::kCounter: {
                const auto& family = counters_[index];
                out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", family.Name(),
                                   EscapeHelp(family.Help()), family.Name());
                family.ForEach([&](const LabelValues& values, const Counter& metric) {
                    out += fmt::format("{}{} {}\n", family.Name(),
                                       LabelSet(family.LabelNames(), values),
                                       FormatValue(metric.Value()));
                });
                break;
            }
            case MetricType::kGauge: {
                const auto& family = gauges_[index];
                out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", family.Name(),
                                   EscapeHelp(family.Help()), family.Name());
                family.ForEach([&](const LabelValues& values, const Gauge& metric) {
                    out += fmt::format("{}{} {}\n", family.Name(),
                                       LabelSet(family.LabelNames(), values),
                                       FormatValue(metric.Value()));
                });
                break;
            }
            case MetricType::kHistogram: {
                const auto& family = histograms_[index];
                out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", family.Name(),
                                   EscapeHelp(family.Help()), family.Name());
                family.ForEach([&](const LabelValues& values, const Histogram& metric) {
                    const auto snapshot = metric.Read();
                    const auto& bounds = metric.Bounds();
                    for (std::size_t i = 0; i < snapshot.cumulative.size(); ++i) {
                        const std::string le = i < bounds.size() ? FormatValue(bounds[i]) : "+Inf";
                        out += fmt::format("{}_bucket{} {}\n", family.Name(),
                                           LabelSet(family.LabelNames(), values, "le", le),
                                           snapshot.cumulative[i]);
                    }
                    out += fmt::format("{}_sum{} {}\n", family.Name(),
                                       LabelSet(family.LabelNames(), values),
                                       FormatValue(snapshot.sum));
                    out += fmt::format("{}_count{} {}\n", family.Name(),
                                       LabelSet(family.LabelNames(), values), snapshot.count);
                });
                break;
            }
        }
    }
    return out;
}

std::vector<double> LatencyBuckets() {
    return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
            0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
}

std::string EscapeLabelValue(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace attrition::ops
