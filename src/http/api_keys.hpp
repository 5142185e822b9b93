// API keys for the operator endpoints (the prediction log's read side and /metrics): clients
// send `Authorization: Bearer <key>`; the service keeps only SHA-256 hashes, loaded once at
// startup from the file named by OC5_API_KEYS_FILE:
//
//   # comment
//   <64 hex digits: sha256 of the key>  [name]
//
// A presented key is hashed and compared with every stored hash in constant time (no early
// exit), so timing reveals neither which key nor how much of one matched.
// Value type; immutable after Load, so Verify is thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"
#include "http/net.hpp"

namespace attrition::http {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest Sha256(std::string_view bytes);
std::string ToHex(const Sha256Digest& digest);

// The line to put in the keys file for this key.
std::string KeyFileLine(std::string_view key, std::string_view name);

// A fresh random key (32 bytes from the OS, base64url): what `attrition keys generate` prints.
base::Result<std::string> GenerateKey();

enum class KeyVerdict {
    kAccepted,
    kNotConfigured,  // no keys file: protected endpoints are closed (403)
    kMissing,        // no Authorization: Bearer header (401)
    kRejected,       // a key that matches no stored hash (401)
};

struct KeyCheck {
    KeyVerdict verdict = KeyVerdict::kRejected;
    std::string name;  // the accepted key's name (may be empty)
};

class ApiKeys {
  public:
    ApiKeys() = default;  // no keys configured
    // Reads the keys file; kInvalidConfig naming the line number of a malformed line (never
    // its content), or when the file has no key at all.
    static base::Result<ApiKeys> Load(const std::string& path);
    // Parses the file's text (Load without the file system).
    static base::Result<ApiKeys> Parse(std::string_view text, std::string_view origin);

    bool Configured() const { return configured_; }
    std::size_t Count() const { return keys_.size(); }

    // authorization: the Authorization header's value (empty when absent).
    KeyCheck Verify(std::string_view authorization) const;

  private:
    struct Key {
        Sha256Digest hash;
        std::string name;
    };
    bool configured_ = false;
    std::vector<Key> keys_;
};

// What a route without a configured keys file does.
enum class WhenUnconfigured {
    kRefuse,  // 403: the route needs a key and none can be valid
    kAllow,   // open (local use), keyed once a keys file is configured
};

// nullopt when the request may proceed; otherwise the answer: 401 (missing or wrong key, with
// WWW-Authenticate: Bearer) or 403 (no keys file configured and kRefuse).
std::optional<Response> Authorize(const ApiKeys& keys,
                                  const Request& request,
                                  WhenUnconfigured unconfigured);

}  // namespace attrition::http
