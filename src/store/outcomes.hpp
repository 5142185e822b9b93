// The outcomes table (migration 0003): what became of employees, as the HR system reports it.
// RecordOutcomes stores a validated list in one transaction, each (employee_id, event, date)
// once: a report already stored counts as a duplicate, so a client retries safely. Thread-safe
// as the Database.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/error.hpp"
#include "store/database.hpp"

namespace attrition::store {

struct OutcomeRecord {
    std::string employee_id;
    std::string event;  // "left" or "stayed"
    std::string date;   // YYYY-MM-DD (UTC)
};

struct OutcomeCounts {
    std::uint64_t accepted = 0;    // stored now
    std::uint64_t duplicates = 0;  // stored before (or earlier in the same list)
};

// Errors: as Database::RunTransaction's (kUnavailable, kInvalidInput); nothing is stored then.
base::Result<OutcomeCounts> RecordOutcomes(Database& database,
                                           std::span<const OutcomeRecord> outcomes);

}  // namespace attrition::store
