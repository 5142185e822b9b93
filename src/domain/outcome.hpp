// An outcome: what became of an employee after a prediction, as the HR system reports it
// (POST /api/v1/outcomes, `attrition outcomes import`): `left` on a date, or `stayed` (still
// employed on that date). The rules of one outcome's three fields, shared by the endpoint and
// the CSV import: employee_id as everywhere (1..50 characters, no NUL), event exactly `left` or
// `stayed`, date a calendar date YYYY-MM-DD not after today in any time zone (UTC's today + 1:
// UTC+14 is a day ahead). Messages name the rule,
// never the value. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.hpp"
#include "base/error.hpp"

namespace attrition::domain {

// Items in one POST /api/v1/outcomes, at most.
inline constexpr std::size_t kMaxOutcomesPerRequest = 1000;

// Days since 1970-01-01 of a calendar date "YYYY-MM-DD" (proleptic Gregorian, years 1..9999),
// or nullopt when the text is not exactly such a date (2026-02-30, 2026-1-5, " 2026-01-05").
std::optional<long> ParseCalendarDate(std::string_view text) noexcept;

// Days since 1970-01-01 of the UTC date of `time`.
long UtcDay(base::SystemTime time) noexcept;

// Appends an issue (loc: `prefix` + the field) per rule broken by one outcome's fields; true
// when there is none. `today` is UtcDay(now).
bool CheckOutcome(std::string_view employee_id,
                  std::string_view event,
                  std::string_view date,
                  long today,
                  const std::vector<std::string>& prefix,
                  std::vector<base::FieldIssue>& issues);

// The employee_id issue (loc: `prefix` + "employee_id"), or nullopt when it is valid.
std::optional<base::FieldIssue> EmployeeIdIssue(std::string_view employee_id,
                                                const std::vector<std::string>& prefix);

}  // namespace attrition::domain
