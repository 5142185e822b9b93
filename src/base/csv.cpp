#include "base/csv.hpp"

#include <fmt/format.h>

namespace attrition::base {

Result<bool> CsvReader::Next(std::vector<std::string>& fields) {
    fields.clear();
    if (failed_) return tl::unexpected(*failed_);
    if (first_) {
        first_ = false;
        if (in_.peek() == 0xEF) {
            char bom[3];
            in_.read(bom, 3);
            if (std::string_view(bom, static_cast<std::size_t>(in_.gcount())) != "\xEF\xBB\xBF") {
                return Fail(ErrorCode::kInvalidInput, "line 1: invalid UTF-8 at the start");
            }
        }
    }
    if (in_.peek() == std::char_traits<char>::eof()) return false;
    record_line_ = line_;
    std::string field;
    bool quoted = false;
    bool field_was_quoted = false;
    std::size_t record_bytes = 0;
    const auto refuse = [&](std::string_view what) -> Result<bool> {
        fields.clear();
        failed_ =
            Error::Make(ErrorCode::kInvalidInput, fmt::format("line {}: {}", record_line_, what));
        return tl::unexpected(*failed_);
    };
    for (;;) {
        const int c = in_.get();
        if (c != std::char_traits<char>::eof() && ++record_bytes > limits_.max_record_bytes) {
            return refuse(
                fmt::format("a record is longer than {} bytes", limits_.max_record_bytes));
        }
        if (c == std::char_traits<char>::eof()) {
            if (quoted) return refuse("unterminated quoted field");
            fields.push_back(std::move(field));
            return true;
        }
        const char ch = static_cast<char>(c);
        if (quoted) {
            if (ch == '"') {
                if (in_.peek() == '"') {
                    in_.get();
                    field += '"';
                } else {
                    quoted = false;
                }
            } else {
                if (ch == '\n') ++line_;
                field += ch;
            }
            continue;
        }
        if (ch == '"' && field.empty() && !field_was_quoted) {
            quoted = true;
            field_was_quoted = true;
        } else if (ch == ',') {
            if (fields.size() + 1 >= limits_.max_fields) {
                return refuse(fmt::format("a record has more than {} fields", limits_.max_fields));
            }
            fields.push_back(std::move(field));
            field.clear();
            field_was_quoted = false;
        } else if (ch == '\n' || ch == '\r') {
            if (ch == '\r' && in_.peek() == '\n') in_.get();
            ++line_;
            fields.push_back(std::move(field));
            return true;
        } else {
            field += ch;
        }
    }
}

void AppendCsvField(std::string& out, std::string_view field) {
    if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
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
