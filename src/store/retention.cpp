#include "store/retention.hpp"

#include <spdlog/spdlog.h>

#include "store/partitions.hpp"

namespace attrition::store {

base::Result<RetentionResult> DeleteOlderThan(Database& database,
                                              base::SystemTime cutoff,
                                              std::size_t batch_size) {
    if (batch_size == 0) {
        return base::Fail(base::ErrorCode::kInvalidConfig, "retention batch size must be > 0");
    }
    RetentionResult result;
    for (;;) {
        auto dropped = DropOldestExpiredPartition(database, cutoff);
        if (!dropped) return tl::unexpected(dropped.error());
        if (!*dropped) break;
        ++result.partitions_dropped;
        result.requests_deleted += (*dropped)->requests;
        result.predictions_deleted += (*dropped)->predictions;
    }
    for (;;) {
        auto batch = database.DeleteRequestsBefore(cutoff, batch_size);
        if (!batch) return tl::unexpected(batch.error());
        if (batch->requests_deleted > 0) ++result.batches;
        result.requests_deleted += batch->requests_deleted;
        result.predictions_deleted += batch->predictions_deleted;
        if (batch->requests_deleted < batch_size) break;
    }
    spdlog::info(
        "msg=\"retention delete done\" cutoff={} requests={} predictions={} batches={} "
        "partitions_dropped={}",
        base::FormatIso8601(cutoff), result.requests_deleted, result.predictions_deleted,
        result.batches, result.partitions_dropped);
    return result;
}

}  // namespace attrition::store
