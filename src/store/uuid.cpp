#include "store/uuid.hpp"

#include <array>
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
    std::array<std::uint8_t, 16> bytes{};
    const std::uint64_t high = generator();
    const std::uint64_t low = generator();
    for (std::size_t i = 0; i < 8; ++i) {
        bytes[i] = static_cast<std::uint8_t>(high >> (8 * i));
        bytes[8 + i] = static_cast<std::uint8_t>(low >> (8 * i));
    }
    bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0FU) | 0x40U);  // version 4
    bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3FU) | 0x80U);  // RFC 4122 variant
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
