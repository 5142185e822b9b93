#include "http/json_text.hpp"

#include <fmt/format.h>

#include <cmath>

namespace attrition::http {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid.
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    if (c < 0x80) return 1;
    std::size_t length = 0;
    unsigned min = 0;
    if ((c & 0xE0) == 0xC0) {
        length = 2;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        length = 3;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        length = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (i + length > s.size()) return 0;
    unsigned code = c & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        code = (code << 6) | (byte(i + k) & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
    return length;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view value) {
    out += '"';
    for (const char c : value) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
                } else {
                    out += c;
                }
        }
    }
    out += '"';
}

double RoundedPercent(double probability) noexcept {
    return std::round(probability * 10000.0) / 100.0;
}

std::string StorableJson(std::string_view valid_json) {
    // Nearly every body has no \u0000 at all: one vectorised search instead of a byte loop.
    if (valid_json.find("\\u0000") == std::string_view::npos) return std::string(valid_json);
    std::string out;
    out.reserve(valid_json.size());
    for (std::size_t i = 0; i < valid_json.size(); ++i) {
        const char c = valid_json[i];
        if (c == '\\' && i + 1 < valid_json.size()) {
            if (valid_json.substr(i + 1, 5) == "u0000") {
                out += "\\ufffd";
                i += 5;
            } else {
                out += c;
                out += valid_json[++i];  // an escaped character: never the start of an escape
            }
            continue;
        }
        out += c;
    }
    return out;
}

std::string MarkedBody(std::string_view reason, std::string_view body, std::size_t max_bytes) {
    const bool truncated = body.size() > max_bytes;
    const std::string_view kept = body.substr(0, max_bytes);
    std::string clean;
    clean.reserve(kept.size());
    for (std::size_t i = 0; i < kept.size();) {
        const std::size_t length = Utf8SequenceLength(kept, i);
        if (length == 0 || kept[i] == '\0') {
            clean += "\xEF\xBF\xBD";  // U+FFFD
            ++i;
        } else {
            clean.append(kept.substr(i, length));
            i += length;
        }
    }
    std::string out = "{\"rejected\":";
    AppendJsonString(out, reason);
    out += ",\"truncated\":";
    out += truncated ? "true" : "false";
    out += fmt::format(",\"body_bytes\":{},\"body_prefix\":", body.size());
    AppendJsonString(out, clean);
    out += '}';
    return out;
}

}  // namespace attrition::http
