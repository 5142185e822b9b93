// attrition: one binary, many subcommands. Everything is built in app/.
#include <fmt/core.h>

#include <exception>

#include "app/cli.hpp"

int main(int argc, char** argv) {
    try {
        return attrition::app::Main(argc, argv, ATTRITION_VERSION);
    } catch (const std::exception& e) {
        fmt::print(stderr, "attrition: fatal: {}\n", e.what());
        return 1;
    }
}
