// Monitoring figures computed from the prediction log inside the database, so that the service
// holds a handful of numbers whatever the size of the log: live performance (the predictions of
// one model version joined with the outcomes the HR system reported). One read-only statement
// per call, on both backends, with unnamed parameterised statements only (safe behind
// pgbouncer). Stateless free functions, thread-safe as the Database; they block for the query.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "store/database.hpp"

namespace attrition::store {

inline constexpr int kMaxHorizonDays = 3650;

// The fairness query's attributes, read from the feature snapshots: each input of `by_value`
// grouped by its value, and the numeric input `banded` cut into `bands`, reported as the
// attribute `banded_as`. Bands in order: (upper bound excluded, name); the last one takes
// every value from the one before it. Input and attribute names of [a-z_] only, band names of
// [A-Za-z0-9+ -] only: they are written into the statement.
struct FairnessGrouping {
    std::vector<std::string> by_value;
    std::string banded;
    std::string banded_as;
    std::vector<std::pair<double, std::string>> bands;
};

// Which logged predictions, and how they resolve. A prediction made on UTC day d (its
// created_at) with e = d + horizon_days is young while e is after as_of's UTC day, mature
// from then on. Only a mature prediction is judged: positive when a `left` outcome lies in
// [d, e], negative when a `stayed` outcome on or after e, or a `left` one after it, exists,
// and unresolved otherwise (always, without an employee_id). A young prediction whose
// employee already left within its horizon is an early departure: counted, not judged (judged
// now, early leavers would be counted before any stayer can be). Shadow rows count as their
// own version's: the filter is on model_version only.
struct PerformanceQuery {
    std::string model_version;
    std::optional<base::SystemTime> since;  // created_at >= since
    std::optional<base::SystemTime> until;  // created_at < until
    int horizon_days = 365;                 // 0..kMaxHorizonDays
    double threshold = 0.5;                 // flagged: attrition_prob >= threshold
    base::SystemTime as_of;                 // "today": its UTC day decides maturity
    FairnessGrouping fairness;              // ReadFairnessGroups's attributes
};

// One tenth of the resolved predictions by increasing probability, cut as
// model::CalibrationTable cuts (row i of n, 0-based, in decile floor(((i + 1) * 10 - 1) / n)).
struct DecileSums {
    int decile = 0;  // 0..9
    std::uint64_t n = 0;
    double sum_predicted = 0;
    std::uint64_t positives = 0;
};

struct LivePerformance {
    std::uint64_t resolved = 0;          // mature and judged
    std::uint64_t unresolved = 0;        // the rest: young, or mature without a deciding outcome
    std::uint64_t young = 0;             // not yet due (of the unresolved)
    std::uint64_t early_departures = 0;  // young, and the employee left within the horizon
    std::uint64_t positives = 0;
    std::uint64_t true_positive = 0;   // flagged and positive
    std::uint64_t false_positive = 0;  // flagged and negative
    std::uint64_t false_negative = 0;  // not flagged and positive
    double squared_error = 0;          // sum of (p - y)^2 over the resolved
    double squared_error_squared = 0;  // sum of (p - y)^4: the Brier score's variance
    // Sum over distinct probabilities of positives x (negatives below + half the negatives
    // there): the Mann-Whitney count, ties half.
    double auc_pairs = 0;
    // Sum over distinct probabilities, from the highest, of positives there x precision at
    // that threshold (scikit-learn's average_precision_score times positives).
    double precision_gain = 0;
    std::vector<DecileSums> deciles;  // ascending, only non-empty ones

    std::uint64_t Negatives() const { return resolved - positives; }
    // The figures are made of these counts in monitoring/realized.hpp (Judge).
};

// The inputs the log holds for drift, from a uniform sample of a version's predictions in a
// window: a prediction is sampled when the last two hex digits of its id (random bits, in the
// version 4 ids of older rows as in the version 7 ids of newer ones) fall below a bound chosen
// from the window's size, so that about `sample_rows` are kept
// (every one in a small window). The database scans the window's ids and parses only the
// sampled snapshots; the service receives one row per distinct (input, value).
struct DriftQuery {
    std::string model_version;
    base::SystemTime since;                 // created_at >= since
    std::optional<base::SystemTime> until;  // created_at < until
    std::uint64_t sample_rows = 20000;
};

struct ValueCount {
    std::string input;  // a features_snapshot key
    std::string value;  // its value as text ("41", "41.5", "Male")
    std::uint64_t count = 0;
};

struct DriftSample {
    std::uint64_t window_rows = 0;   // predictions of the version in the window
    std::uint64_t sampled_rows = 0;  // of which sampled
    std::vector<ValueCount> inputs;  // over the sampled rows
    std::vector<std::pair<double, std::uint64_t>> probabilities;  // attrition_prob, how many
};

// Errors: as Database::RunTransaction's.
base::Result<DriftSample> ReadDriftSample(Database& database, const DriftQuery& query);

// Errors: as Database::RunTransaction's; kInvalidInput for a horizon out of range.
base::Result<LivePerformance> ReadLivePerformance(Database& database,
                                                  const PerformanceQuery& query);

// One group of a fairness attribute over the same predictions and labels as
// ReadLivePerformance (model::GroupCounts's fields).
struct FairnessGroupRow {
    std::string attribute;  // an input of the query's fairness.by_value, or its banded_as
    std::string group;
    std::uint64_t n = 0;
    std::uint64_t flagged = 0;
    double sum_predicted = 0;
    std::uint64_t resolved = 0;
    std::uint64_t positives = 0;
    std::uint64_t true_positive = 0;
    std::uint64_t false_positive = 0;
};

// A version's predictions in a window, young or mature, resolved or not (what the performance
// estimate reads): grouped by probability in steps of 1/kScoreBinsPerUnit and by whether they
// are flagged (attrition_prob >= threshold), so that no group straddles the threshold.
inline constexpr int kScoreBinsPerUnit = 10000;

struct ScoreQuery {
    std::string model_version;
    std::optional<base::SystemTime> since;  // created_at >= since
    std::optional<base::SystemTime> until;  // created_at < until
    double threshold = 0.5;
};

struct ScoreBin {
    bool flagged = false;
    std::uint64_t n = 0;
    double sum_score = 0;  // sum of attrition_prob; sum_score / n is the bin's mean score
};

// Ascending by score (the unflagged part of a step before its flagged part). Errors: as
// Database::RunTransaction's.
base::Result<std::vector<ScoreBin>> ReadScoreBins(Database& database, const ScoreQuery& query);

// Errors: as ReadLivePerformance's.
base::Result<std::vector<FairnessGroupRow>> ReadFairnessGroups(Database& database,
                                                               const PerformanceQuery& query);

// What `attrition train --from-log` learns from: for each employee, the latest of its mature,
// resolved predictions (labelled as PerformanceQuery says), with the features the log kept of
// it. Answered predictions with a snapshot only (shadow rows repeat them), of
// query.model_version or, when it is empty, of any version; since/until/horizon_days/as_of as
// for live performance. By employee_id (bytewise).
struct TrainingRow {
    std::string employee_id;
    std::string features_snapshot_json;
    int label = 0;         // 1: left within the horizon
    bool flagged = false;  // the logged probability >= query.threshold
};

// Errors: as ReadLivePerformance's.
base::Result<std::vector<TrainingRow>> ReadTrainingRows(Database& database,
                                                        const PerformanceQuery& query);

}  // namespace attrition::store
