#include "base/text.hpp"

namespace attrition::base {

std::size_t Utf8SequenceLength(std::string_view text, std::size_t at) noexcept {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(at);
    if (lead < 0x80) return 1;
    std::size_t length = 0;
    unsigned min = 0;
    if ((lead & 0xE0U) == 0xC0U) {
        length = 2;
        min = 0x80;
    } else if ((lead & 0xF0U) == 0xE0U) {
        length = 3;
        min = 0x800;
    } else if ((lead & 0xF8U) == 0xF0U) {
        length = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (at + length > text.size()) return 0;
    unsigned code = lead & (0x7FU >> length);
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(at + k) & 0xC0U) != 0x80U) return 0;
        code = (code << 6U) | (byte(at + k) & 0x3FU);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
    return length;
}

bool IsValidUtf8(std::string_view text) noexcept {
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t length = Utf8SequenceLength(text, at);
        if (length == 0) return false;
        at += length;
    }
    return true;
}

std::size_t CharCount(std::string_view utf8) noexcept {
    std::size_t count = 0;
    for (const char c : utf8) {
        if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) ++count;
    }
    return count;
}

std::string ToValidUtf8(std::string_view text) {
    std::string clean;
    clean.reserve(text.size());
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t length = Utf8SequenceLength(text, at);
        if (length == 0 || text[at] == '\0') {
            clean += "\xEF\xBF\xBD";  // U+FFFD
            ++at;
        } else {
            clean.append(text.substr(at, length));
            at += length;
        }
    }
    return clean;
}

EmployeeIdProblem CheckEmployeeId(std::string_view id) noexcept {
    if (id.empty()) return EmployeeIdProblem::kEmpty;
    if (!IsValidUtf8(id)) return EmployeeIdProblem::kInvalidUtf8;
    if (CharCount(id) > kMaxEmployeeIdChars) return EmployeeIdProblem::kTooLong;
    if (id.find('\0') != std::string_view::npos) return EmployeeIdProblem::kNul;
    return EmployeeIdProblem::kNone;
}

}  // namespace attrition::base
