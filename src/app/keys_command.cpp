#include "app/keys_command.hpp"

#include <fmt/core.h>

#include <iostream>

#include "http/api_keys.hpp"

namespace attrition::app {

int RunKeys(const KeysConfig& config) {
    if (config.name.find_first_of("\n\r") != std::string::npos) {
        fmt::print(stderr, "attrition keys: the name must be one line\n");
        return 1;
    }
    if (config.action == "generate") {
        auto key = http::GenerateKey();
        if (!key) {
            fmt::print(stderr, "attrition keys: {}\n", key.error().message);
            return 1;
        }
        // The key goes to the client once; only the line goes into the keys file.
        fmt::print("key:  {}\nline: {}\n", *key, http::KeyFileLine(*key, config.name));
        return 0;
    }
    std::string key;
    std::getline(std::cin, key);
    while (!key.empty() && (key.back() == '\r' || key.back() == ' ')) key.pop_back();
    if (key.empty()) {
        fmt::print(stderr, "attrition keys hash: give the key on stdin (one line)\n");
        return 1;
    }
    fmt::print("{}\n", http::KeyFileLine(key, config.name));
    return 0;
}

}  // namespace attrition::app
