// The one way responses and log payloads on the request path are written: a JSON writer that
// appends to a std::string, with commas placed for the caller. No DOM, no allocation beyond the
// output string; strings are escaped (invalid UTF-8 replaced by U+FFFD, so the output is always
// valid JSON); doubles are written in their shortest round-trip form (0.834, 12, 1e-07), which
// reads back as the same double; non-finite numbers are null.
//
//   std::string out;
//   JsonWriter json(out);
//   json.BeginObject().Key("status").String("ok").Key("n").Int(3).EndObject();
//
// Keys are names the program chose (literals, the field table's names): printable ASCII with no
// quote or backslash, written as they are (asserted in debug and sanitizer builds); values are
// escaped. The caller keeps Begin and End paired (a writer does not check structure); one
// writer per output, not shared between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace attrition::base {

class JsonWriter {
  public:
    explicit JsonWriter(std::string& out) : out_(out) {}

    JsonWriter& BeginObject();
    JsonWriter& EndObject();
    JsonWriter& BeginArray();
    JsonWriter& EndArray();
    JsonWriter& Key(std::string_view key);

    JsonWriter& String(std::string_view value);
    JsonWriter& Int(std::int64_t value);
    JsonWriter& Uint(std::uint64_t value);
    JsonWriter& Double(double value);
    // A number with exactly `decimals` decimals (probability_leave: 95.98, 4.00).
    JsonWriter& Fixed(double value, int decimals);
    JsonWriter& Bool(bool value);
    JsonWriter& Null();
    // null for an empty value (an optional name such as a model version), else String.
    JsonWriter& StringOrNull(std::string_view value);
    // A value that is already JSON text (a stored snapshot), written as is.
    JsonWriter& Raw(std::string_view json);

  private:
    void BeforeValue();
    JsonWriter& Open(char bracket);
    JsonWriter& Close(char bracket);

    std::string& out_;
    bool need_comma_ = false;
};

// Appends `value` as a quoted JSON string: quote, backslash and control characters escaped,
// invalid UTF-8 replaced by U+FFFD, other bytes kept.
void AppendJsonString(std::string& out, std::string_view value);

}  // namespace attrition::base
