#include "store/uuid.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <random>

namespace attrition::store {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";

std::mt19937_64& ThreadGenerator() {
    thread_local std::mt19937_64 generator = [] {
        std::random_device device;
        std::seed_seq seed{device(), device(), device(), device(), device(), device()};
        return std::mt19937_64(seed);
    }();
    return generator;
}

bool IsHex(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

std::string NewUuid() {
    auto& generator = ThreadGenerator();
    const auto millis =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    const std::uint64_t high = generator();
    const std::uint64_t low = generator();
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < 6; ++i) {  // unix_ts_ms, big-endian
        bytes[i] = static_cast<std::uint8_t>(millis >> (8 * (5 - i)));
    }
    bytes[6] = static_cast<std::uint8_t>(0x70U | (high & 0x0FU));  // version 7, rand_a
    bytes[7] = static_cast<std::uint8_t>(high >> 8);
    bytes[8] = static_cast<std::uint8_t>(0x80U | ((high >> 16) & 0x3FU));  // variant, rand_b
    for (std::size_t i = 9; i < 16; ++i) {
        bytes[i] = static_cast<std::uint8_t>(low >> (8 * (i - 9)));
    }
    std::string text;
    text.reserve(36);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) text.push_back('-');
        text.push_back(kHexDigits[bytes[i] >> 4]);
        text.push_back(kHexDigits[bytes[i] & 0x0FU]);
    }
    return text;
}

bool IsUuid(std::string_view text) noexcept {
    if (text.size() != 36) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash_position ? text[i] != '-' : !IsHex(text[i])) return false;
    }
    return true;
}

}  // namespace attrition::store
