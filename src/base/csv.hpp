// Streaming CSV (RFC 4180): a record reader over an istream that holds one record in memory at a
// time (quoted fields with delimiters, quotes and newlines; CRLF or LF; a UTF-8 BOM at the start
// is skipped), and field quoting for writers. A reader belongs to one thread.
//
// The dialect of a spreadsheet saved as CSV is found, not configured: the delimiter is `;` when
// the first line holds more semicolons than commas outside quotes (a French Excel), else `,`;
// the encoding is UTF-8 until a field is not valid UTF-8 — then, if no earlier field held a
// non-ASCII UTF-8 character, the file is Windows-1252 (Latin-1 with the C1 range's printable
// characters, what Excel saves "CSV" in on a Western Windows) and every field from there on is
// decoded from it into UTF-8. A file that mixes both, or holds a byte Windows-1252 leaves
// undefined, is refused naming the line and the encoding.
#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hpp"

namespace attrition::base {

// What one record may hold, so that a line of millions of commas (34 bytes of memory each) is
// refused, not held. A roster or outcomes record is a few hundred bytes and under 40 fields.
struct CsvLimits {
    std::size_t max_record_bytes = std::size_t{64} * 1024;
    std::size_t max_fields = 256;
};

enum class CsvEncoding { kUtf8, kWindows1252 };
const char* CsvEncodingName(CsvEncoding encoding) noexcept;  // "UTF-8", "Windows-1252"

class CsvReader {
  public:
    explicit CsvReader(std::istream& in, CsvLimits limits = {}) : in_(in), limits_(limits) {}

    // Reads the next record into `fields`, each field UTF-8. Returns false at the end of input;
    // an error naming the line where the record started for an unterminated quoted field, a
    // record over the limits or text in no encoding it reads (the reader is then done: each
    // later call repeats the error).
    Result<bool> Next(std::vector<std::string>& fields);

    // Line number (1-based) where the last record returned started.
    std::size_t RecordLine() const noexcept { return record_line_; }
    // The dialect found: the delimiter once the first record is read, the encoding so far.
    char Delimiter() const noexcept { return delimiter_; }
    CsvEncoding Encoding() const noexcept { return encoding_; }

  private:
    int Get();
    int Peek();
    void FindDelimiter();
    Result<void> Decode(std::vector<std::string>& fields);
    Result<void> SkipBom();
    Result<bool> ReadRecord(std::vector<std::string>& fields);
    bool ReadQuotedChar(char ch, std::string& field);
    Result<bool> EndRecord(std::vector<std::string>& fields, std::string& field);
    Result<bool> Refuse(std::vector<std::string>& fields, std::string_view what);
    Result<bool> RefuseWith(std::vector<std::string>& fields, Error error);

    std::istream& in_;
    CsvLimits limits_;
    std::optional<Error> failed_;
    std::size_t line_ = 1;
    std::size_t record_line_ = 0;
    bool first_ = true;
    char delimiter_ = ',';
    CsvEncoding encoding_ = CsvEncoding::kUtf8;
    bool seen_utf8_ = false;  // a field held a non-ASCII UTF-8 character
    std::string pending_;     // the first line, read ahead to find the delimiter
    std::size_t pending_at_ = 0;
};

// Appends a field, quoted when it holds the delimiter, a quote, CR or LF.
void AppendCsvField(std::string& out, std::string_view field, char delimiter = ',');

}  // namespace attrition::base
