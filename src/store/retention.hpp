// Retention of the prediction log: on PostgreSQL first drops the monthly partitions that lie
// wholly before the cutoff (partitions.hpp), then deletes the api_requests rows created before
// it that remain (their predictions go by ON DELETE CASCADE) in bounded batches, one short
// transaction each, so the log stays writable while a large backlog is deleted. Stateless:
// thread-safe as the Database.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/clock.hpp"
#include "base/error.hpp"
#include "store/database.hpp"

namespace attrition::store {

struct RetentionResult {
    std::uint64_t requests_deleted = 0;
    std::uint64_t predictions_deleted = 0;
    std::uint64_t batches = 0;             // DELETE transactions that deleted something
    std::uint64_t partitions_dropped = 0;  // months dropped whole (PostgreSQL)
};

// Drops partition by partition, then deletes batch by batch until a batch comes back short. On
// error, returns it; what earlier steps removed stays removed (each is its own transaction).
base::Result<RetentionResult> DeleteOlderThan(Database& database,
                                              base::SystemTime cutoff,
                                              std::size_t batch_size);

}  // namespace attrition::store
