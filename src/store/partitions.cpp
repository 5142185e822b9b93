#include "store/partitions.hpp"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace attrition::store {
namespace {

constexpr std::string_view kCreateSql =
    "SELECT attrition_create_log_partitions($1::date, $2::date)";
constexpr std::string_view kDropSql =
    "SELECT month, requests, predictions FROM attrition_drop_oldest_log_partition($1::timestamptz)";
// A drop waits for the parents' locks behind running inserts; while it waits, new inserts
// queue behind it. Bounded, so that a busy log delays retention, not predictions.
constexpr std::string_view kLockTimeoutSql = "SET LOCAL lock_timeout = '5s'";

std::string UtcDate(std::chrono::year_month_day day) {
    return fmt::format("{:04}-{:02}-01", static_cast<int>(day.year()),
                       static_cast<unsigned>(day.month()));
}

}  // namespace

base::Result<int> CreateLogPartitions(Database& database, base::SystemTime now, int months_ahead) {
    if (database.Kind() != Backend::kPostgres) return 0;
    const std::chrono::year_month_day today{std::chrono::floor<std::chrono::days>(now)};
    const auto first = today.year() / today.month() / std::chrono::day(1);
    const auto last = first + std::chrono::months(months_ahead);
    auto rows = QueryInTransaction(database, MigrationLock::kNone, kCreateSql,
                                   {UtcDate(first), UtcDate(last)}, kLockTimeoutSql);
    if (!rows) return tl::unexpected(rows.error());
    if (rows->size() != 1 || rows->front().size() != 1 || !rows->front()[0]) {
        return base::Fail(base::ErrorCode::kInternal, "partition creation returned no count");
    }
    const int made = std::stoi(*rows->front()[0]);
    if (made > 0) {
        spdlog::info("msg=\"log partitions created\" tables={} through={}", made, UtcDate(last));
    }
    return made;
}

base::Result<std::optional<DroppedPartition>> DropOldestExpiredPartition(Database& database,
                                                                         base::SystemTime cutoff) {
    if (database.Kind() != Backend::kPostgres) return std::nullopt;
    auto rows = QueryInTransaction(database, MigrationLock::kNone, kDropSql,
                                   {base::FormatIso8601(cutoff)}, kLockTimeoutSql);
    if (!rows) return tl::unexpected(rows.error());
    if (rows->empty()) return std::nullopt;
    const auto& row = rows->front();
    if (row.size() != 3 || !row[0]) {
        return base::Fail(base::ErrorCode::kInternal, "partition drop returned no month");
    }
    DroppedPartition dropped{*row[0], CountCell(row[1]), CountCell(row[2])};
    spdlog::info("msg=\"log partition dropped\" month={} requests={} predictions={}", dropped.month,
                 dropped.requests, dropped.predictions);
    return dropped;
}

}  // namespace attrition::store
