// The monthly partitions of the PostgreSQL log (migration 0005): api_requests and predictions
// are partitioned by UTC month on created_at, a request and its predictions in the same month.
// CreateLogPartitions makes the partitions ahead (`attrition migrate`, the service at start
// and daily); DropOldestExpiredPartition removes, one month per call and transaction, a month
// that lies wholly before the retention cutoff (retention.hpp deletes the rest in batches).
// SQLite is not partitioned: both are no-ops there. Thread-safe as the Database; concurrent
// callers on several replicas are serialized by a transaction-scoped advisory lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "store/database.hpp"

namespace attrition::store {

// Months after the current one that have partitions once CreateLogPartitions has run.
inline constexpr int kPartitionMonthsAhead = 3;

// Creates the partitions of the months from now's to months_ahead later that lack them;
// returns how many tables it created (0 on SQLite).
base::Result<int> CreateLogPartitions(Database& database,
                                      base::SystemTime now,
                                      int months_ahead = kPartitionMonthsAhead);

struct DroppedPartition {
    std::string month;  // e.g. "y2026m01"
    std::uint64_t requests = 0;
    std::uint64_t predictions = 0;
};

// Drops the oldest month whose partitions end at or before cutoff; nullopt when there is none
// (always on SQLite).
base::Result<std::optional<DroppedPartition>> DropOldestExpiredPartition(Database& database,
                                                                         base::SystemTime cutoff);

}  // namespace attrition::store
