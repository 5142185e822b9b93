#include "store/pg_copy.hpp"

#include <bit>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>

namespace attrition::store {
namespace {

// PostgreSQL's epoch for timestamps: 2000-01-01T00:00:00Z, in microseconds since 1970.
constexpr std::int64_t kPostgresEpochMicros = 946684800000000;
constexpr std::uint8_t kJsonbVersion = 1;
// "PGCOPY\n\377\r\n\0", then the flags (no OIDs) and the header extension's length, both 0.
constexpr char kHeader[] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
constexpr std::size_t kHeaderBytes = 19;
static_assert(sizeof(kHeader) == kHeaderBytes + 1);

class TupleWriter {
  public:
    explicit TupleWriter(std::string& out) : out_(out) {}

    void Begin(std::int16_t fields) { Integer(fields); }
    void Null() { Integer(std::int32_t{-1}); }
    void Text(std::string_view text) {
        Integer(static_cast<std::int32_t>(text.size()));
        out_.append(text);
    }
    void OptionalText(const std::optional<std::string>& text) {
        if (text) {
            Text(*text);
        } else {
            Null();
        }
    }
    void Jsonb(std::string_view json) {
        Integer(static_cast<std::int32_t>(json.size() + 1));
        out_.push_back(static_cast<char>(kJsonbVersion));
        out_.append(json);
    }
    void Int4(std::int32_t value) {
        Integer(std::int32_t{4});
        Integer(value);
    }
    void OptionalInt4(std::optional<int> value) {
        if (value) {
            Int4(*value);
        } else {
            Null();
        }
    }
    void Float8(double value) {
        Integer(std::int32_t{8});
        Integer(std::bit_cast<std::int64_t>(value));
    }
    void Bool(bool value) {
        Integer(std::int32_t{1});
        out_.push_back(value ? '\1' : '\0');
    }
    void Timestamp(base::SystemTime time) {
        const auto micros =
            std::chrono::floor<std::chrono::microseconds>(time.time_since_epoch()).count();
        Integer(std::int32_t{8});
        Integer(static_cast<std::int64_t>(micros - kPostgresEpochMicros));
    }
    // Canonical UUID text (8-4-4-4-12 hex digits) as its 16 bytes.
    void Uuid(std::string_view text) {
        Integer(std::int32_t{16});
        const auto nibble = [](char c) {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            return c - 'A' + 10;
        };
        int high = -1;
        for (const char c : text) {
            if (c == '-') continue;
            if (high < 0) {
                high = nibble(c);
            } else {
                out_.push_back(static_cast<char>((high << 4) | nibble(c)));
                high = -1;
            }
        }
    }

  private:
    // Network byte order.
    template <class T>
    void Integer(T value) {
        auto bits = static_cast<std::make_unsigned_t<T>>(value);
        char bytes[sizeof(T)];
        for (std::size_t i = sizeof(T); i-- > 0;) {
            bytes[i] = static_cast<char>(bits & 0xFFU);
            bits >>= 8;
        }
        out_.append(bytes, sizeof(T));
    }
    std::string& out_;
};

// A whole COPY stream: the header, what `write` puts for each record (its size estimated by
// `size_of`, so that the string grows once), the trailer.
template <class SizeOf, class Write>
std::string CopyStream(std::span<const RequestRecord> records, SizeOf size_of, Write write) {
    std::size_t bytes = kHeaderBytes + 2;
    for (const auto& record : records) bytes += size_of(record);
    std::string out;
    out.reserve(bytes);
    out.append(kHeader, kHeaderBytes);
    TupleWriter row(out);
    for (const auto& record : records) write(row, record);
    row.Begin(-1);  // the trailer
    return out;
}

}  // namespace

std::string CopyRequestRows(std::span<const RequestRecord> records) {
    return CopyStream(
        records,
        [](const RequestRecord& record) {
            return 128 + record.request_data_json.size() + record.user_agent.value_or("").size();
        },
        [](TupleWriter& row, const RequestRecord& record) {
            row.Begin(9);
            row.Uuid(record.id);
            row.Timestamp(record.created_at);
            row.Text(record.endpoint);
            row.Jsonb(record.request_data_json);
            row.OptionalText(record.client_ip);
            row.OptionalText(record.user_agent);
            row.Int4(record.http_status);
            row.OptionalInt4(record.response_time_ms);
            row.OptionalText(record.x_request_id);
        });
}

std::string CopyPredictionRows(std::span<const RequestRecord> records) {
    return CopyStream(
        records,
        [](const RequestRecord& record) {
            std::size_t bytes = 0;
            for (const auto& prediction : record.predictions) {
                bytes += 160 + prediction.features_snapshot_json.size();
            }
            return bytes;
        },
        [](TupleWriter& row, const RequestRecord& record) {
            for (const auto& prediction : record.predictions) {
                row.Begin(10);
                row.Uuid(prediction.id);
                row.Uuid(record.id);
                row.Timestamp(record.created_at);
                row.Timestamp(prediction.prediction_date);
                row.OptionalText(prediction.employee_id);
                row.Float8(prediction.attrition_prob);
                row.Text(prediction.risk_level);
                row.Text(prediction.model_version);
                row.Jsonb(prediction.features_snapshot_json);
                row.Bool(prediction.shadow);
            }
        });
}

}  // namespace attrition::store
