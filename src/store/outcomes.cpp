#include "store/outcomes.hpp"

#include <string_view>

namespace attrition::store {
namespace {

constexpr std::string_view kPgInsertSql =
    "INSERT INTO outcomes (employee_id, event, event_date) VALUES ($1::text, $2::text, "
    "$3::date) ON CONFLICT DO NOTHING RETURNING 1";
constexpr std::string_view kSqliteInsertSql =
    "INSERT INTO outcomes (employee_id, event, event_date) VALUES (?1, ?2, ?3) "
    "ON CONFLICT DO NOTHING RETURNING 1";

}  // namespace

base::Result<OutcomeCounts> RecordOutcomes(Database& database,
                                           std::span<const OutcomeRecord> outcomes) {
    const bool sqlite = database.Kind() == Backend::kSqlite;
    OutcomeCounts counts;
    // SQLite takes the write lock up front, as the erasure does.
    auto done = database.RunTransaction(
        sqlite ? MigrationLock::kExclusive : MigrationLock::kNone,
        [&](SqlSession& session) -> base::Result<void> {
            counts = OutcomeCounts{};
            for (const auto& outcome : outcomes) {
                auto inserted = session.Query(sqlite ? kSqliteInsertSql : kPgInsertSql,
                                              {outcome.employee_id, outcome.event, outcome.date});
                if (!inserted) return tl::unexpected(inserted.error());
                ++(inserted->empty() ? counts.duplicates : counts.accepted);
            }
            return {};
        });
    if (!done) return tl::unexpected(done.error());
    return counts;
}

}  // namespace attrition::store
