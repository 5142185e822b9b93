// The PostgreSQL backend: a batch as two binary COPY streams in one transaction
// (store/pg_copy.hpp); when the database refuses one for a duplicate key (a replay of rows that
// landed before), as INSERTs of unnest()ed array parameters, ON CONFLICT (id) DO NOTHING (split
// within one transaction when very large); migrations under a transaction-scoped advisory lock. No
// named prepared statements, no session SET, no session advisory locks: safe behind pgbouncer in
// pool_mode=transaction. Thread-safe.
#pragma once

#include <memory>

#include "store/connection_pool.hpp"
#include "store/database.hpp"

namespace attrition::store {

class PostgresDatabase final : public Database {
  public:
    // Does not connect; Open() does (and fails with a redacted message when unreachable).
    PostgresDatabase(const DatabaseUrl& url, const DatabaseOptions& options);
    static base::Result<std::unique_ptr<Database>> Open(const DatabaseUrl& url,
                                                        const DatabaseOptions& options);

    Backend Kind() const override { return Backend::kPostgres; }
    const std::string& Describe() const override { return redacted_; }
    base::Result<void> Ping() override;
    base::Result<void> InsertBatch(std::span<const RequestRecord> records) override;
    base::Result<RetentionBatch> DeleteRequestsBefore(base::SystemTime cutoff,
                                                      std::size_t batch_size) override;
    base::Result<void> RunTransaction(
        MigrationLock lock, const std::function<base::Result<void>(SqlSession&)>& body) override;
    std::optional<PoolStats> Pool() const override { return pool_.Stats(); }

  private:
    SteadyTime Deadline() const;
    // The ON CONFLICT DO NOTHING insert (unnest of array parameters), in statements of at most
    // max_statement_bytes in one transaction: what a refused COPY falls back to.
    base::Result<void> InsertSkippingExisting(PgConnection& connection,
                                              std::span<const RequestRecord> records,
                                              SteadyTime deadline);
    void Observe(std::string_view statement, SteadyTime started) const;

    std::string redacted_;
    DatabaseOptions options_;
    ConnectionPool pool_;
};

}  // namespace attrition::store
