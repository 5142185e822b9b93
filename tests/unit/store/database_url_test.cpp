// OC5_DATABASE_URL parsing: every accepted scheme, the default, none, and that no error
// message or redacted form ever shows the password.
#include "store/database_url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace attrition::store {
namespace {

constexpr const char* kSecret = "s3cr3t-Pa55";

TEST(DatabaseUrlTest, EmptyMeansTheEmbeddedSqliteDefault) {
    const auto url = ParseDatabaseUrl("");
    ASSERT_TRUE(url) << url.error().message;
    EXPECT_EQ(url->backend, Backend::kSqlite);
    EXPECT_EQ(url->target, "var/attrition.db");
    EXPECT_TRUE(url->is_default);
}

TEST(DatabaseUrlTest, NoneTurnsLoggingOff) {
    const auto url = ParseDatabaseUrl("none");
    ASSERT_TRUE(url);
    EXPECT_EQ(url->backend, Backend::kNone);
    EXPECT_FALSE(url->is_default);
}

TEST(DatabaseUrlTest, PostgresSchemesAreNormalised) {
    for (const std::string scheme : {"postgresql", "postgres", "postgresql+asyncpg"}) {
        const auto url = ParseDatabaseUrl(scheme + "://app:" + kSecret + "@db.internal:6432/hr");
        ASSERT_TRUE(url) << scheme << ": " << url.error().message;
        EXPECT_EQ(url->backend, Backend::kPostgres);
        EXPECT_EQ(url->target, std::string("postgresql://app:") + kSecret + "@db.internal:6432/hr");
        EXPECT_EQ(url->redacted, scheme + "://app:***@db.internal:6432/hr");
        EXPECT_EQ(url->password, kSecret);
        EXPECT_FALSE(url->is_default);
    }
}

TEST(DatabaseUrlTest, SqlitePathsFollowTheSqlAlchemyConvention) {
    const auto relative = ParseDatabaseUrl("sqlite:///data/log.db");
    ASSERT_TRUE(relative);
    EXPECT_EQ(relative->backend, Backend::kSqlite);
    EXPECT_EQ(relative->target, "data/log.db");
    EXPECT_FALSE(relative->is_default);
    const auto absolute = ParseDatabaseUrl("sqlite:////tmp/log.db");
    ASSERT_TRUE(absolute);
    EXPECT_EQ(absolute->target, "/tmp/log.db");
    const auto memory = ParseDatabaseUrl("sqlite:///:memory:");
    ASSERT_TRUE(memory);
    EXPECT_EQ(memory->target, ":memory:");
}

TEST(DatabaseUrlTest, MalformedUrlsAreInvalidConfigWithoutThePassword) {
    const std::string bad_urls[] = {
        std::string("mysql://root:") + kSecret + "@localhost/hr",
        std::string("postgresql://app:") + kSecret + "@host/hr?no_such_option=1",
        std::string("postgresql://app@host/hr?password=") + kSecret + "&no_such_option=1",
        std::string("postgresql://app:") + kSecret + "@host:notaport/hr?no_such_option=1",
        std::string("sqlite:///"),
        std::string("sqlite:///x.db?password=") + kSecret,
        std::string("app:") + kSecret + "@host/hr",
    };
    for (const auto& bad : bad_urls) {
        const auto url = ParseDatabaseUrl(bad);
        ASSERT_FALSE(url) << bad;
        EXPECT_EQ(url.error().code, base::ErrorCode::kInvalidConfig);
        EXPECT_EQ(url.error().message.find(kSecret), std::string::npos) << url.error().message;
        EXPECT_FALSE(url.error().message.empty());
    }
}

TEST(DatabaseUrlTest, RedactUrlHidesUserinfoAndQueryPasswords) {
    EXPECT_EQ(RedactUrl("postgresql://u:p@h/d"), "postgresql://u:***@h/d");
    EXPECT_EQ(RedactUrl("postgresql://u@h/d?sslmode=require&password=p&x=1"),
              "postgresql://u@h/d?sslmode=require&password=***&x=1");
    // An unencoded '/' or '@' in the password is still hidden.
    EXPECT_EQ(RedactUrl("postgresql://u:pa/s@s@h/d"), "postgresql://u:***@h/d");
    EXPECT_EQ(RedactUrl("postgresql://u@h/d"), "postgresql://u@h/d");
    EXPECT_EQ(RedactUrl("sqlite:///var/x.db"), "sqlite:///var/x.db");
}

TEST(DatabaseUrlTest, ScrubSecretRemovesRawAndDecodedForms) {
    EXPECT_EQ(ScrubSecret("auth failed for p%40ss and p@ss", "p%40ss"),
              "auth failed for *** and ***");
    EXPECT_EQ(ScrubSecret("nothing here", ""), "nothing here");
}

}  // namespace
}  // namespace attrition::store
