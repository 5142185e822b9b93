// Streaming CSV (RFC 4180): a record reader over an istream that holds one record in memory at a
// time (quoted fields with commas, quotes and newlines; CRLF or LF; a UTF-8 BOM at the start is
// skipped), and field quoting for writers. A reader belongs to one thread.
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

class CsvReader {
  public:
    explicit CsvReader(std::istream& in, CsvLimits limits = {}) : in_(in), limits_(limits) {}

    // Reads the next record into `fields`. Returns false at the end of input; an error naming
    // the line where the record started for an unterminated quoted field or a record over the
    // limits (the reader is then done: each later call repeats the error).
    Result<bool> Next(std::vector<std::string>& fields);

    // Line number (1-based) where the last record returned started.
    std::size_t RecordLine() const noexcept { return record_line_; }

  private:
    std::istream& in_;
    CsvLimits limits_;
    std::optional<Error> failed_;
    std::size_t line_ = 1;
    std::size_t record_line_ = 0;
    bool first_ = true;
};

// Appends a field, quoted when it holds a comma, quote, CR or LF.
void AppendCsvField(std::string& out, std::string_view field);

}  // namespace attrition::base
