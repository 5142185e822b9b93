#include "base/json_writer.hpp"

#include <fmt/format.h>

#include <array>
#include <cassert>
#include <charconv>
#include <cmath>
#include <iterator>
#include <system_error>

#include "base/text.hpp"

namespace attrition::base {
namespace {

// Bytes a JSON string holds as they are, without escaping or UTF-8 checking: printable ASCII
// but the quote and the backslash.
constexpr std::array<bool, 256> kPlain = [] {
    std::array<bool, 256> plain{};
    for (int c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
    return plain;
}();

[[maybe_unused]] bool IsPlainKey(std::string_view key) {
    for (const char c : key) {
        if (!kPlain[static_cast<unsigned char>(c)]) return false;
    }
    return true;
}

void AppendEscaped(std::string& out, std::string_view value) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::size_t plain = 0;  // start of the run of bytes copied as they are
    for (std::size_t i = 0; i < value.size(); ++i) {
        const auto c = static_cast<unsigned char>(value[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(value.data() + plain, i - plain);
        plain = i + 1;
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
                out += "\\u00";
                out += kHex[c >> 4U];
                out += kHex[c & 0xFU];
        }
    }
    out.append(value.data() + plain, value.size() - plain);
}

template <class Integer>
void AppendInteger(std::string& out, Integer value) {
    const fmt::format_int digits(value);
    out.append(digits.data(), digits.size());
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view value) {
    out += '"';
    // Most strings (vocabulary values, ids) are printable ASCII: one scan, one append.
    std::size_t plain = 0;
    while (plain < value.size() && kPlain[static_cast<unsigned char>(value[plain])]) ++plain;
    if (plain == value.size()) {
        out.append(value);
    } else if (base::IsValidUtf8(value.substr(plain))) {  // an ASCII prefix is valid UTF-8
        AppendEscaped(out, value);
    } else {
        AppendEscaped(out, base::ToValidUtf8(value));
    }
    out += '"';
}

void JsonWriter::BeforeValue() {
    if (need_comma_) out_ += ',';
    need_comma_ = true;
}

JsonWriter& JsonWriter::Open(char bracket) {
    BeforeValue();
    out_ += bracket;
    need_comma_ = false;
    return *this;
}

JsonWriter& JsonWriter::Close(char bracket) {
    out_ += bracket;
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::BeginObject() { return Open('{'); }
JsonWriter& JsonWriter::EndObject() { return Close('}'); }
JsonWriter& JsonWriter::BeginArray() { return Open('['); }
JsonWriter& JsonWriter::EndArray() { return Close(']'); }

JsonWriter& JsonWriter::Key(std::string_view key) {
    assert(IsPlainKey(key) && "JsonWriter::Key takes names the program chose");
    if (need_comma_) out_ += ',';
    out_ += '"';
    out_ += key;
    out_ += "\":";
    need_comma_ = false;
    return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
    BeforeValue();
    AppendJsonString(out_, value);
    return *this;
}

JsonWriter& JsonWriter::Int(std::int64_t value) {
    BeforeValue();
    AppendInteger(out_, value);
    return *this;
}

JsonWriter& JsonWriter::Uint(std::uint64_t value) {
    BeforeValue();
    AppendInteger(out_, value);
    return *this;
}

JsonWriter& JsonWriter::Double(double value) {
    BeforeValue();
    if (!std::isfinite(value)) {
        out_ += "null";
        return *this;
    }
    std::array<char, 32> text{};  // the shortest round-trip form needs at most 24
    const auto written = std::to_chars(text.data(), text.data() + text.size(), value);
    out_.append(text.data(), written.ptr);
    return *this;
}

JsonWriter& JsonWriter::Fixed(double value, int decimals) {
    BeforeValue();
    if (!std::isfinite(value)) {
        out_ += "null";
        return *this;
    }
    std::array<char, 64> text{};
    const auto written = std::to_chars(text.data(), text.data() + text.size(), value,
                                       std::chars_format::fixed, decimals);
    if (written.ec == std::errc()) {
        out_.append(text.data(), written.ptr);
    } else {  // more digits than the buffer holds (|value| >= 1e40 or so)
        fmt::format_to(std::back_inserter(out_), "{:.{}f}", value, decimals);
    }
    return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
    BeforeValue();
    out_ += value ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::Null() {
    BeforeValue();
    out_ += "null";
    return *this;
}

JsonWriter& JsonWriter::StringOrNull(std::string_view value) {
    return value.empty() ? Null() : String(value);
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
    BeforeValue();
    out_ += json;
    return *this;
}

}  // namespace attrition::base
