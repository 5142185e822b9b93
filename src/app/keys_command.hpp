// `attrition keys generate [--name N]` and `attrition keys hash [--name N]`: make the lines of
// the OC5_API_KEYS_FILE (SHA-256 of the key, then a name). generate prints a fresh key and its
// line; hash reads a key from stdin and prints its line. Runs on the calling thread.
#pragma once

#include <string>

namespace attrition::app {

struct KeysConfig {
    std::string action;  // "generate" or "hash"
    std::string name;
};

int RunKeys(const KeysConfig& config);

}  // namespace attrition::app
