#include "base/csv.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace attrition::base {
namespace {

std::vector<std::vector<std::string>> ReadAll(const std::string& text) {
    std::istringstream in(text);
    CsvReader reader(in);
    std::vector<std::vector<std::string>> records;
    std::vector<std::string> fields;
    for (;;) {
        auto more = reader.Next(fields);
        EXPECT_TRUE(more.has_value());
        if (!more || !*more) break;
        records.push_back(fields);
    }
    return records;
}

TEST(CsvReaderTest, QuotedFieldsHoldCommasQuotesAndNewlines) {
    const auto records = ReadAll("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n");
    ASSERT_EQ(records.size(), 2U);
    EXPECT_EQ(records[0], (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(records[1], (std::vector<std::string>{"x, y", "say \"hi\"", "two\nlines"}));
}

TEST(CsvReaderTest, SkipsUtf8BomAndKeepsEmptyFields) {
    const auto records = ReadAll("\xEF\xBB\xBFid,name\n1,\n,2");
    ASSERT_EQ(records.size(), 3U);
    EXPECT_EQ(records[0][0], "id");
    EXPECT_EQ(records[1], (std::vector<std::string>{"1", ""}));
    EXPECT_EQ(records[2], (std::vector<std::string>{"", "2"}));
}

TEST(CsvReaderTest, RecordLineCountsEmbeddedNewlines) {
    std::istringstream in("h\n\"a\nb\"\nc\n");
    CsvReader reader(in);
    std::vector<std::string> fields;
    ASSERT_TRUE(*reader.Next(fields));
    EXPECT_EQ(reader.RecordLine(), 1U);
    ASSERT_TRUE(*reader.Next(fields));
    EXPECT_EQ(reader.RecordLine(), 2U);
    ASSERT_TRUE(*reader.Next(fields));
    EXPECT_EQ(reader.RecordLine(), 4U);
    EXPECT_EQ(fields[0], "c");
    EXPECT_FALSE(*reader.Next(fields));
}

TEST(CsvReaderTest, UnterminatedQuoteIsAnErrorNamingTheLine) {
    std::istringstream in("h\n\"open\n");
    CsvReader reader(in);
    std::vector<std::string> fields;
    ASSERT_TRUE(*reader.Next(fields));
    const auto result = reader.Next(fields);
    ASSERT_FALSE(result.has_value());
    EXPECT_NE(result.error().message.find("line 2"), std::string::npos);
}

TEST(CsvWriterTest, QuotesOnlyWhenNeededAndRoundTrips) {
    std::string out;
    AppendCsvField(out, "plain");
    out += ',';
    AppendCsvField(out, "a,\"b\"\nc");
    EXPECT_EQ(out, "plain,\"a,\"\"b\"\"\nc\"");
    const auto records = ReadAll(out + "\n");
    ASSERT_EQ(records.size(), 1U);
    EXPECT_EQ(records[0], (std::vector<std::string>{"plain", "a,\"b\"\nc"}));
    std::string french;
    AppendCsvField(french, "a,b", ';');
    french += ';';
    AppendCsvField(french, "c;d", ';');
    EXPECT_EQ(french, "a,b;\"c;d\"");
}

// A French Excel saves "CSV" with semicolons (the comma is its decimal separator).
TEST(CsvReaderTest, TheDelimiterIsTheFirstLinesSemicolonOrComma) {
    {
        std::istringstream in("nom;age;note\r\n\"Dupont; Jean\";41;3,5\r\n");
        CsvReader reader(in);
        std::vector<std::string> fields;
        ASSERT_TRUE(reader.Next(fields).value());
        EXPECT_EQ(reader.Delimiter(), ';');
        EXPECT_EQ(fields, (std::vector<std::string>{"nom", "age", "note"}));
        ASSERT_TRUE(reader.Next(fields).value());
        EXPECT_EQ(fields, (std::vector<std::string>{"Dupont; Jean", "41", "3,5"}));
        EXPECT_FALSE(reader.Next(fields).value());
    }
    // A semicolon inside quotes, or as many as commas, leaves the comma.
    for (const std::string text : {"\"a;b;c\",d\n1,2\n", "a,b;c\n1,2;3\n"}) {
        std::istringstream in(text);
        CsvReader reader(in);
        std::vector<std::string> fields;
        ASSERT_TRUE(reader.Next(fields).value());
        EXPECT_EQ(reader.Delimiter(), ',') << text;
        EXPECT_EQ(fields.size(), 2U) << text;
    }
}

TEST(CsvReaderTest, AFileThatIsNotUtf8IsReadAsWindows1252) {
    // Latin-1 é, and Windows-1252's euro sign and curly apostrophe (0x80, 0x92).
    std::istringstream in("nom;ville\nJos\xE9;Orl\xE9\x61ns\n\x80 5;l\x92\xE9t\xE9\n");
    CsvReader reader(in);
    std::vector<std::string> fields;
    ASSERT_TRUE(reader.Next(fields).value());
    EXPECT_EQ(reader.Encoding(), CsvEncoding::kUtf8);  // ASCII so far
    ASSERT_TRUE(reader.Next(fields).value());
    EXPECT_EQ(reader.Encoding(), CsvEncoding::kWindows1252);
    EXPECT_EQ(fields, (std::vector<std::string>{"Jos\xC3\xA9", "Orl\xC3\xA9\x61ns"}));
    ASSERT_TRUE(reader.Next(fields).value());
    EXPECT_EQ(fields,
              (std::vector<std::string>{"\xE2\x82\xAC 5", "l\xE2\x80\x99\xC3\xA9t\xC3\xA9"}));
    EXPECT_STREQ(CsvEncodingName(reader.Encoding()), "Windows-1252");
}

TEST(CsvReaderTest, TextInNoEncodingItReadsIsRefusedNamingTheLine) {
    const auto refusal = [](const std::string& text) {
        std::istringstream in(text);
        CsvReader reader(in);
        std::vector<std::string> fields;
        for (;;) {
            auto more = reader.Next(fields);
            if (!more) return more.error().message;
            if (!*more) return std::string("read whole");
        }
    };
    // UTF-8 (é) on line 2, then a Latin-1 é on line 3: one file, two encodings.
    EXPECT_EQ(refusal("a\nJos\xC3\xA9\nJos\xE9\n"),
              "line 3: not valid UTF-8, although the lines before were (save the file in one "
              "encoding)");
    // A BOM says UTF-8: nothing else is guessed.
    EXPECT_EQ(refusal("\xEF\xBB\xBF"
                      "a\nJos\xE9\n"),
              "line 2: not valid UTF-8, although the lines before were (save the file in one "
              "encoding)");
    // 0x81 is defined by neither.
    EXPECT_EQ(refusal("a\nb\x81\n"),
              "line 2: neither UTF-8 nor Windows-1252 (save it as CSV UTF-8)");
}

TEST(CsvReaderTest, ARecordOverTheLimitsIsRefusedNamingItsLine) {
    // One line of millions of commas was held whole, 34 bytes a comma (issue 26, defect 7).
    const CsvLimits limits{.max_record_bytes = 64, .max_fields = 4};
    std::vector<std::string> fields;
    {
        std::istringstream in("a,b,c,d\n1,2,3,4,5\nnever,read\n");
        CsvReader reader(in, limits);
        ASSERT_TRUE(reader.Next(fields).value());
        EXPECT_EQ(fields.size(), 4U);  // exactly the limit
        const auto refused = reader.Next(fields);
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().message, "line 2: a record has more than 4 fields");
        EXPECT_TRUE(fields.empty());
        EXPECT_FALSE(reader.Next(fields));  // done: not resynchronised mid-record
    }
    {
        std::istringstream in("ok\n\"" + std::string(100, 'x') + "\"\n");
        CsvReader reader(in, limits);
        ASSERT_TRUE(reader.Next(fields).value());
        const auto refused = reader.Next(fields);
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().message, "line 2: a record is longer than 64 bytes");
    }
    // The defaults: 16 million commas are refused after the 256th field, not read whole.
    const std::string commas(std::size_t{16} << 20, ',');
    std::istringstream in(commas);
    CsvReader reader(in);
    const auto refused = reader.Next(fields);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message, "line 1: a record has more than 256 fields");
    EXPECT_GT(in.tellg(), 0);
    EXPECT_LT(static_cast<std::size_t>(in.tellg()), std::size_t{1024});
}

}  // namespace
}  // namespace attrition::base
