// Proves the test harness: a real PostgreSQL cluster and pgbouncer in transaction pooling
// mode answer queries over libpq, and pgbouncer really is in transaction mode.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <memory>
#include <string>

#include "harness/postgres_cluster.hpp"

namespace attrition::test {
namespace {

using Connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;

Connection Connect(const std::string& url) {
    Connection connection(PQconnectdb(url.c_str()), &PQfinish);
    EXPECT_EQ(PQstatus(connection.get()), CONNECTION_OK) << PQerrorMessage(connection.get());
    return connection;
}

std::string QueryOne(PGconn* connection, const std::string& sql) {
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection, sql.c_str()), &PQclear);
    EXPECT_EQ(PQresultStatus(result.get()), PGRES_TUPLES_OK) << PQerrorMessage(connection);
    if (PQntuples(result.get()) != 1) return {};
    return PQgetvalue(result.get(), 0, 0);
}

class PostgresHarnessTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!PostgresAvailable()) GTEST_SKIP() << "PostgreSQL 15 or pgbouncer not installed";
    }
};

TEST_F(PostgresHarnessTest, DirectRoundTripReachesServer15) {
    auto& cluster = PostgresCluster::Shared();
    const auto url = cluster.CreateDatabase("harness_direct");
    auto connection = Connect(url);
    EXPECT_EQ(QueryOne(connection.get(), "SELECT 40 + 2"), "42");
    EXPECT_EQ(QueryOne(connection.get(), "SHOW server_version_num").substr(0, 2), "15");
    EXPECT_EQ(QueryOne(connection.get(), "SELECT current_database()"), "harness_direct");
}

TEST_F(PostgresHarnessTest, RoundTripThroughPgBouncerInTransactionMode) {
    auto& cluster = PostgresCluster::Shared();
    cluster.CreateDatabase("harness_bouncer");
    cluster.StartPgBouncer();
    auto connection = Connect(cluster.PgBouncerUrl("harness_bouncer"));
    EXPECT_EQ(QueryOne(connection.get(), "SELECT 'through pgbouncer'"), "through pgbouncer");
    EXPECT_NE(std::string(PQparameterStatus(connection.get(), "server_version")), "");

    // pgbouncer's admin console reports the pool mode of the database entry.
    auto admin = Connect(cluster.PgBouncerUrl("pgbouncer"));
    std::unique_ptr<PGresult, decltype(&PQclear)> config(PQexec(admin.get(), "SHOW CONFIG"),
                                                         &PQclear);
    ASSERT_EQ(PQresultStatus(config.get()), PGRES_TUPLES_OK) << PQerrorMessage(admin.get());
    std::string pool_mode;
    for (int row = 0; row < PQntuples(config.get()); ++row) {
        if (std::string(PQgetvalue(config.get(), row, 0)) == "pool_mode") {
            pool_mode = PQgetvalue(config.get(), row, 1);
        }
    }
    EXPECT_EQ(pool_mode, "transaction");
}

TEST_F(PostgresHarnessTest, ClusterSurvivesStopAndRestart) {
    auto& cluster = PostgresCluster::Shared();
    cluster.CreateDatabase("harness_restart");
    cluster.Psql("harness_restart", "CREATE TABLE t (v int); INSERT INTO t VALUES (7)");
    cluster.Stop("immediate");
    EXPECT_FALSE(cluster.Running());
    cluster.Start();
    EXPECT_EQ(cluster.Psql("harness_restart", "SELECT v FROM t"), "7");
}

}  // namespace
}  // namespace attrition::test
