#include "base/clock.hpp"

#include <fmt/format.h>

#include <ctime>

namespace attrition::base {
namespace {

bool ParseDigits(std::string_view text, std::size_t at, std::size_t count, int& value) {
    if (at + count > text.size()) return false;
    value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
        value = value * 10 + (text[i] - '0');
    }
    return true;
}

}  // namespace

std::string FormatIso8601(SystemTime t) {
    const auto since_epoch = t.time_since_epoch();
    const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(since_epoch - seconds).count();
    const std::time_t tt = static_cast<std::time_t>(seconds.count());
    std::tm tm{};
    gmtime_r(&tt, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
}

std::optional<SystemTime> ParseIso8601(std::string_view text) {
    int year = 0, month = 0, day = 0;
    if (text.size() < 10 || !ParseDigits(text, 0, 4, year) || text[4] != '-' ||
        !ParseDigits(text, 5, 2, month) || text[7] != '-' || !ParseDigits(text, 8, 2, day) ||
        year < kEarliestYear || year > kLatestYear) {
        return std::nullopt;
    }
    const std::chrono::year_month_day date{std::chrono::year(year),
                                           std::chrono::month(static_cast<unsigned>(month)),
                                           std::chrono::day(static_cast<unsigned>(day))};
    if (!date.ok()) return std::nullopt;
    SystemTime time = std::chrono::sys_days(date);
    if (text.size() == 10) return time;
    int hour = 0, minute = 0, second = 0;
    if ((text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
        !ParseDigits(text, 11, 2, hour) || text.size() < 19 || text[13] != ':' ||
        !ParseDigits(text, 14, 2, minute) || text[16] != ':' || !ParseDigits(text, 17, 2, second) ||
        hour > 23 || minute > 59 || second > 59) {
        return std::nullopt;
    }
    time += std::chrono::hours(hour) + std::chrono::minutes(minute) + std::chrono::seconds(second);
    std::size_t at = 19;
    if (at < text.size() && text[at] == '.') {
        ++at;
        long long micros = 0;
        int digits = 0;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            if (digits < 6) {
                micros = micros * 10 + (text[at] - '0');
                ++digits;
            }
            ++at;
        }
        if (digits == 0) return std::nullopt;
        for (; digits < 6; ++digits) micros *= 10;
        time += std::chrono::microseconds(micros);
    }
    if (at == text.size()) return std::nullopt;  // a time needs Z or an offset
    const auto zone = text.substr(at);
    if (zone == "Z" || zone == "z") return time;
    int offset_hours = 0, offset_minutes = 0;
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') ||
        !ParseDigits(zone, 1, 2, offset_hours) || zone[3] != ':' ||
        !ParseDigits(zone, 4, 2, offset_minutes) || offset_hours > 23 || offset_minutes > 59) {
        return std::nullopt;
    }
    const auto offset = std::chrono::hours(offset_hours) + std::chrono::minutes(offset_minutes);
    return zone[0] == '+' ? time - offset : time + offset;
}

}  // namespace attrition::base
