#include "base/csv.hpp"

#include <fmt/format.h>

#include <array>

#include "base/text.hpp"

namespace attrition::base {
namespace {

// Windows-1252's 0x80..0x9F as Unicode code points; 0 where it defines no character.
constexpr std::array<char32_t, 32> kWindows1252High{
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void AppendUtf8(std::string& out, char32_t code) {
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    }
}

// The field decoded from Windows-1252; false on a byte it leaves undefined.
bool FromWindows1252(std::string& field) {
    std::string out;
    out.reserve(field.size() + field.size() / 2);
    for (const char c : field) {
        const auto byte = static_cast<unsigned char>(c);
        char32_t code = byte;
        if (byte >= 0x80 && byte < 0xA0) {
            code = kWindows1252High[byte - 0x80];
            if (code == 0) return false;
        }
        AppendUtf8(out, code);
    }
    field = std::move(out);
    return true;
}

bool IsAscii(std::string_view text) {
    for (const char c : text) {
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    }
    return true;
}

}  // namespace

const char* CsvEncodingName(CsvEncoding encoding) noexcept {
    return encoding == CsvEncoding::kWindows1252 ? "Windows-1252" : "UTF-8";
}

int CsvReader::Get() {
    if (pending_at_ < pending_.size()) return static_cast<unsigned char>(pending_[pending_at_++]);
    return in_.get();
}

int CsvReader::Peek() {
    if (pending_at_ < pending_.size()) return static_cast<unsigned char>(pending_[pending_at_]);
    return in_.peek();
}

// Reads the first line ahead (at most a record's bytes or fields) and counts its delimiters
// outside quotes.
void CsvReader::FindDelimiter() {
    std::size_t commas = 0;
    std::size_t semicolons = 0;
    bool quoted = false;
    while (pending_.size() < limits_.max_record_bytes) {
        const int c = in_.get();
        if (c == std::char_traits<char>::eof()) break;
        pending_ += static_cast<char>(c);
        if (c == '"') quoted = !quoted;
        if (quoted) continue;
        if (c == '\n' || c == '\r') break;
        commas += c == ',';
        semicolons += c == ';';
        if (commas + semicolons > limits_.max_fields) break;  // a record Next will refuse
    }
    delimiter_ = semicolons > commas ? ';' : ',';
}

Result<void> CsvReader::Decode(std::vector<std::string>& fields) {
    for (auto& field : fields) {
        if (encoding_ == CsvEncoding::kUtf8) {
            if (IsValidUtf8(field)) {
                seen_utf8_ = seen_utf8_ || !IsAscii(field);
                continue;
            }
            if (seen_utf8_) {
                return Fail(ErrorCode::kInvalidInput,
                            fmt::format("line {}: not valid UTF-8, although the lines before "
                                        "were (save the file in one encoding)",
                                        record_line_));
            }
            encoding_ = CsvEncoding::kWindows1252;
        }
        if (!FromWindows1252(field)) {
            return Fail(ErrorCode::kInvalidInput,
                        fmt::format("line {}: neither UTF-8 nor Windows-1252 (save it as CSV "
                                    "UTF-8)",
                                    record_line_));
        }
    }
    return {};
}

Result<bool> CsvReader::Next(std::vector<std::string>& fields) {
    fields.clear();
    if (failed_) return tl::unexpected(*failed_);
    if (first_) {
        first_ = false;
        if (auto bom = SkipBom(); !bom) return tl::unexpected(bom.error());
        FindDelimiter();
    }
    if (Peek() == std::char_traits<char>::eof()) return false;
    record_line_ = line_;
    return ReadRecord(fields);
}

// Skips a UTF-8 byte order mark at the start of the input: the file then says it is UTF-8.
Result<void> CsvReader::SkipBom() {
    if (in_.peek() != 0xEF) return {};
    char bom[3];
    in_.read(bom, 3);
    if (std::string_view(bom, static_cast<std::size_t>(in_.gcount())) != "\xEF\xBB\xBF") {
        return Fail(ErrorCode::kInvalidInput, "line 1: invalid UTF-8 at the start");
    }
    seen_utf8_ = true;  // no other encoding is guessed
    return {};
}

// Reads the fields of the record that starts at record_line_, then decodes them.
Result<bool> CsvReader::ReadRecord(std::vector<std::string>& fields) {
    std::string field;
    bool quoted = false;
    bool field_was_quoted = false;
    std::size_t record_bytes = 0;
    for (;;) {
        const int c = Get();
        if (c != std::char_traits<char>::eof() && ++record_bytes > limits_.max_record_bytes) {
            return Refuse(
                fields, fmt::format("a record is longer than {} bytes", limits_.max_record_bytes));
        }
        if (c == std::char_traits<char>::eof()) {
            if (quoted) return Refuse(fields, "unterminated quoted field");
            return EndRecord(fields, field);
        }
        const char ch = static_cast<char>(c);
        if (quoted) {
            quoted = ReadQuotedChar(ch, field);
            continue;
        }
        if (ch == '"' && field.empty() && !field_was_quoted) {
            quoted = true;
            field_was_quoted = true;
        } else if (ch == delimiter_) {
            if (fields.size() + 1 >= limits_.max_fields) {
                return Refuse(fields,
                              fmt::format("a record has more than {} fields", limits_.max_fields));
            }
            fields.push_back(std::move(field));
            field.clear();
            field_was_quoted = false;
        } else if (ch == '\n' || ch == '\r') {
            if (ch == '\r' && Peek() == '\n') Get();
            ++line_;
            return EndRecord(fields, field);
        } else {
            field += ch;
        }
    }
}

// Adds a character read inside quotes to field; false when it closes the quotes.
bool CsvReader::ReadQuotedChar(char ch, std::string& field) {
    if (ch != '"') {
        if (ch == '\n') ++line_;
        field += ch;
        return true;
    }
    if (Peek() == '"') {
        Get();
        field += '"';
        return true;
    }
    return false;
}

// Adds the record's last field and decodes the record.
Result<bool> CsvReader::EndRecord(std::vector<std::string>& fields, std::string& field) {
    fields.push_back(std::move(field));
    if (auto decoded = Decode(fields); !decoded) return RefuseWith(fields, decoded.error());
    return true;
}

// Refuses the record with "line N: what" (see RefuseWith).
Result<bool> CsvReader::Refuse(std::vector<std::string>& fields, std::string_view what) {
    return RefuseWith(fields, Error::Make(ErrorCode::kInvalidInput,
                                          fmt::format("line {}: {}", record_line_, what)));
}

// Refuses the record with error, and every later call with it too.
Result<bool> CsvReader::RefuseWith(std::vector<std::string>& fields, Error error) {
    fields.clear();
    failed_ = std::move(error);
    return tl::unexpected(*failed_);
}

void AppendCsvField(std::string& out, std::string_view field, char delimiter) {
    const char specials[] = {delimiter, '"', '\r', '\n', '\0'};
    if (field.find_first_of(specials) == std::string_view::npos) {
        out.append(field);
        return;
    }
    out += '"';
    for (const char c : field) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

}  // namespace attrition::base
