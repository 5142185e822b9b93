#include "http/api_keys.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "base/json_writer.hpp"
#include "http/problem.hpp"

namespace attrition::http {
namespace {

constexpr std::string_view kBearer = "bearer ";
constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string_view Trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                             text.back() == '\n')) {
        text.remove_suffix(1);
    }
    return text;
}

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool ParseHexDigest(std::string_view hex, Sha256Digest& digest) {
    if (hex.size() != digest.size() * 2) return false;
    for (std::size_t i = 0; i < digest.size(); ++i) {
        const int high = HexValue(hex[2 * i]);
        const int low = HexValue(hex[2 * i + 1]);
        if (high < 0 || low < 0) return false;
        digest[i] = static_cast<std::uint8_t>(high * 16 + low);
    }
    return true;
}

}  // namespace

Sha256Digest Sha256(std::string_view bytes) {
    Sha256Digest digest{};
    unsigned int size = 0;
    EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr);
    return digest;
}

std::string ToHex(const Sha256Digest& digest) {
    std::string hex;
    for (const auto byte : digest) hex += fmt::format("{:02x}", byte);
    return hex;
}

std::string KeyFileLine(std::string_view key, std::string_view name) {
    std::string line = ToHex(Sha256(key));
    if (!name.empty()) line += fmt::format("  {}", name);
    return line;
}

base::Result<std::string> GenerateKey() {
    std::array<unsigned char, 32> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
        return base::Fail(base::ErrorCode::kInternal, "no randomness from the OS");
    }
    std::string key;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const auto byte : random) {
        buffer = (buffer << 8) | byte;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            key += kBase64Url[(buffer >> bits) & 0x3F];
        }
    }
    if (bits > 0) key += kBase64Url[(buffer << (6 - bits)) & 0x3F];
    return key;
}

base::Result<ApiKeys> ApiKeys::Load(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        return base::Fail(base::ErrorCode::kInvalidConfig,
                          fmt::format("cannot read the API keys file {}", path));
    }
    std::stringstream text;
    text << in.rdbuf();
    return Parse(text.str(), path);
}

base::Result<ApiKeys> ApiKeys::Parse(std::string_view text, std::string_view origin) {
    ApiKeys keys;
    keys.configured_ = true;
    std::size_t line_number = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        const auto line = Trim(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        ++line_number;
        if (line.empty() || line.front() == '#') continue;
        const auto space = line.find_first_of(" \t");
        Key key;
        if (!ParseHexDigest(line.substr(0, space), key.hash)) {
            return base::Fail(base::ErrorCode::kInvalidConfig,
                              fmt::format("{} line {}: expected the 64-hex-digit SHA-256 of a "
                                          "key, then an optional name (`attrition keys hash`)",
                                          origin, line_number));
        }
        if (space != std::string_view::npos) key.name = std::string(Trim(line.substr(space)));
        keys.keys_.push_back(std::move(key));
    }
    if (keys.keys_.empty()) {
        return base::Fail(base::ErrorCode::kInvalidConfig,
                          fmt::format("{} holds no API key", origin));
    }
    return keys;
}

KeyCheck ApiKeys::Verify(std::string_view authorization) const {
    if (!configured_) return {KeyVerdict::kNotConfigured, {}};
    authorization = Trim(authorization);
    if (authorization.size() <= kBearer.size()) return {KeyVerdict::kMissing, {}};
    for (std::size_t i = 0; i < kBearer.size(); ++i) {
        const char c =
            static_cast<char>(std::tolower(static_cast<unsigned char>(authorization[i])));
        if (c != kBearer[i]) return {KeyVerdict::kMissing, {}};
    }
    const auto presented = Sha256(Trim(authorization.substr(kBearer.size())));
    // Every stored hash is compared, in constant time, whatever matched before.
    const Key* match = nullptr;
    for (const auto& key : keys_) {
        const bool equal = CRYPTO_memcmp(presented.data(), key.hash.data(), presented.size()) == 0;
        if (equal && match == nullptr) match = &key;
    }
    if (match == nullptr) return {KeyVerdict::kRejected, {}};
    return {KeyVerdict::kAccepted, match->name};
}

std::optional<Response> Authorize(const ApiKeys& keys,
                                  const Request& request,
                                  WhenUnconfigured unconfigured) {
    const auto check = keys.Verify(request[bhttp::field::authorization]);
    std::string_view detail;
    auto code = base::ErrorCode::kUnauthorized;
    switch (check.verdict) {
        case KeyVerdict::kAccepted:
            return std::nullopt;
        case KeyVerdict::kNotConfigured:
            if (unconfigured == WhenUnconfigured::kAllow) return std::nullopt;
            code = base::ErrorCode::kForbidden;
            detail =
                "This endpoint needs an API key, and none is configured: set OC5_API_KEYS_FILE "
                "(see `attrition keys --help`)";
            break;
        case KeyVerdict::kMissing:
            detail = "Missing API key: send Authorization: Bearer <key>";
            break;
        case KeyVerdict::kRejected:
            detail = "Invalid API key";
            break;
    }
    auto response = ErrorResponse(request, base::Error::Make(code, std::string(detail)));
    if (code == base::ErrorCode::kUnauthorized) {
        response.set(bhttp::field::www_authenticate, "Bearer");
    }
    return response;
}

}  // namespace attrition::http
