// The container files stay in step with the project: the image is built with the same
// scripts/install-deps.sh, runs as a non-root user on port 7860 with a health check, and the
// compose file points the service at PostgreSQL through pgbouncer in transaction mode.
// (No container engine runs in CI: these are the checks that can run without one.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string SourceFile(const std::string& relative) {
    const char* root = std::getenv("ATTRITION_SOURCE_DIR");
    if (root == nullptr) return {};
    std::ifstream in(std::string(root) + "/" + relative);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

bool Has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(DeployFilesTest, DockerfileBuildsWithTheInstallScriptAndRunsUnprivileged) {
    if (std::getenv("ATTRITION_SOURCE_DIR") == nullptr)
        GTEST_SKIP() << "ATTRITION_SOURCE_DIR unset";
    const auto dockerfile = SourceFile("Dockerfile");
    ASSERT_FALSE(dockerfile.empty());
    EXPECT_TRUE(Has(dockerfile, "FROM debian:bookworm AS build"));
    EXPECT_TRUE(Has(dockerfile, "FROM debian:bookworm-slim"));
    EXPECT_TRUE(Has(dockerfile, "RUN bash scripts/install-deps.sh"));
    EXPECT_TRUE(Has(dockerfile, "\nUSER attrition\n"));
    EXPECT_TRUE(Has(dockerfile, "OC5_PORT=7860"));
    EXPECT_TRUE(Has(dockerfile, "EXPOSE 7860"));
    EXPECT_TRUE(Has(dockerfile, "HEALTHCHECK"));
    EXPECT_TRUE(Has(dockerfile, "/readyz"));
    // The install script the image runs is the one that exists.
    EXPECT_FALSE(SourceFile("scripts/install-deps.sh").empty());
}

TEST(DeployFilesTest, ComposeReachesPostgresThroughPgbouncerInTransactionMode) {
    if (std::getenv("ATTRITION_SOURCE_DIR") == nullptr)
        GTEST_SKIP() << "ATTRITION_SOURCE_DIR unset";
    const auto compose = SourceFile("deploy/compose.yaml");
    ASSERT_FALSE(compose.empty());
    EXPECT_TRUE(Has(compose, "image: postgres:15"));
    EXPECT_TRUE(Has(compose, "pgbouncer:"));
    EXPECT_TRUE(Has(
        compose,
        "OC5_DATABASE_URL: postgresql://attrition:${POSTGRES_PASSWORD}@pgbouncer:6432/attrition"));
    EXPECT_FALSE(Has(compose, "@postgres:5432")) << "the service must not bypass pgbouncer";
    const auto ini = SourceFile("deploy/pgbouncer/pgbouncer.ini");
    EXPECT_TRUE(Has(ini, "pool_mode = transaction"));
    EXPECT_TRUE(Has(ini, "listen_port = 6432"));
}

}  // namespace
