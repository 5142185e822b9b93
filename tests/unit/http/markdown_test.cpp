// The model card's Markdown as HTML: each construct the card uses, and nothing in the text
// becomes markup.
#include "http/markdown.hpp"

#include <gtest/gtest.h>

namespace attrition::http {
namespace {

TEST(MarkdownTest, HeadingsParagraphsListsAndInlineMarks) {
    const auto html = MarkdownToHtml(
        "# Model card: `v1`\n\nA decision aid for **HR**,\nnot a judge.\n\n"
        "## In short\n\n- **What it is for:** pointing\n- not `deciding`\n\n### `genre`\n");
    EXPECT_EQ(html,
              "<h1>Model card: <code>v1</code></h1>\n"
              "<p>A decision aid for <strong>HR</strong>, not a judge.</p>\n"
              "<h2>In short</h2>\n"
              "<ul>\n<li><strong>What it is for:</strong> pointing</li>\n"
              "<li>not <code>deciding</code></li>\n</ul>\n"
              "<h3><code>genre</code></h3>\n");
}

TEST(MarkdownTest, PipeTablesBecomeTablesInAScrollableRegion) {
    const auto html = MarkdownToHtml(
        "| group | n |\n|---|---|\n| F | 588 |\n| `M` | 882 |\n\nSelection-rate ratio 0.9.\n");
    EXPECT_EQ(html,
              "<div class=\"table-wrap\" tabindex=\"0\"><table>\n"
              "<thead><tr><th>group</th><th>n</th></tr>\n</thead>\n<tbody>\n"
              "<tr><td>F</td><td>588</td></tr>\n"
              "<tr><td><code>M</code></td><td>882</td></tr>\n"
              "</tbody></table></div>\n"
              "<p>Selection-rate ratio 0.9.</p>\n");
}

TEST(MarkdownTest, TextNeverBecomesMarkupAndUnpairedMarksStayText) {
    EXPECT_EQ(MarkdownToHtml("<script>alert(\"x\")</script> & `<b>`\n"),
              "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
              "<code>&lt;b&gt;</code></p>\n");
    EXPECT_EQ(MarkdownToHtml("a ** b ` c\n"), "<p>a ** b ` c</p>\n");
    // A pipe line without its separator, and a heading without a space, are paragraphs.
    EXPECT_EQ(MarkdownToHtml("| a |\n#tag\n"), "<p>| a |</p>\n<p>#tag</p>\n");
}

}  // namespace
}  // namespace attrition::http
