#include "domain/outcome.hpp"

#include <fmt/format.h>

#include <chrono>

#include "base/text.hpp"

namespace attrition::domain {
namespace {

std::vector<std::string> FieldLoc(const std::vector<std::string>& prefix, std::string_view field) {
    std::vector<std::string> loc = prefix;
    loc.emplace_back(field);
    return loc;
}

bool Digits(std::string_view text) noexcept {
    for (const char c : text) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

int Number(std::string_view digits) noexcept {
    int value = 0;
    for (const char c : digits) value = value * 10 + (c - '0');
    return value;
}

}  // namespace

std::optional<long> ParseCalendarDate(std::string_view text) noexcept {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    const auto year = text.substr(0, 4);
    const auto month = text.substr(5, 2);
    const auto day = text.substr(8, 2);
    if (!Digits(year) || !Digits(month) || !Digits(day)) return std::nullopt;
    const std::chrono::year_month_day date{std::chrono::year(Number(year)),
                                           std::chrono::month(static_cast<unsigned>(Number(month))),
                                           std::chrono::day(static_cast<unsigned>(Number(day)))};
    if (Number(year) < 1 || !date.ok()) return std::nullopt;
    return static_cast<long>(std::chrono::sys_days(date).time_since_epoch().count());
}

long UtcDay(base::SystemTime time) noexcept {
    return static_cast<long>(
        std::chrono::floor<std::chrono::days>(time).time_since_epoch().count());
}

std::optional<base::FieldIssue> EmployeeIdIssue(std::string_view employee_id,
                                                const std::vector<std::string>& prefix) {
    const auto loc = FieldLoc(prefix, "employee_id");
    switch (base::CheckEmployeeId(employee_id)) {
        case base::EmployeeIdProblem::kNone:
            return std::nullopt;
        case base::EmployeeIdProblem::kEmpty:
            return base::FieldIssue{loc, "String should have at least 1 character",
                                    "string_too_short"};
        case base::EmployeeIdProblem::kTooLong:
            return base::FieldIssue{
                loc,
                fmt::format("String should have at most {} characters", base::kMaxEmployeeIdChars),
                "string_too_long"};
        case base::EmployeeIdProblem::kNul:
            return base::FieldIssue{
                loc, "Value error, employee_id must not contain the NUL character (\\u0000)",
                "value_error"};
        case base::EmployeeIdProblem::kInvalidUtf8:
            return base::FieldIssue{loc, "Input should be valid UTF-8", "string_unicode"};
    }
    return std::nullopt;
}

bool CheckOutcome(std::string_view employee_id,
                  std::string_view event,
                  std::string_view date,
                  long today,
                  const std::vector<std::string>& prefix,
                  std::vector<base::FieldIssue>& issues) {
    const std::size_t before = issues.size();
    if (auto issue = EmployeeIdIssue(employee_id, prefix)) issues.push_back(std::move(*issue));
    if (event != "left" && event != "stayed") {
        issues.push_back({FieldLoc(prefix, "event"), "Input should be 'left' or 'stayed'", "enum"});
    }
    const auto day = ParseCalendarDate(date);
    if (!day) {
        issues.push_back({FieldLoc(prefix, "date"),
                          "Input should be a valid calendar date in the format YYYY-MM-DD",
                          "date_parsing"});
    } else if (*day > today + 1) {
        // Local today is at most a day past UTC's (UTC+14): an HR system in Auckland or Kiribati
        // records today's departures before UTC reaches that date.
        issues.push_back({FieldLoc(prefix, "date"),
                          "Date should not be in the future (in any time zone)", "date_future"});
    }
    return issues.size() == before;
}

}  // namespace attrition::domain
