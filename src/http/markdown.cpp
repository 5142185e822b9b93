#include "http/markdown.hpp"

#include <vector>

#include "http/html.hpp"

namespace attrition::http {
namespace {

// `code` spans (their text as is) and **bold** outside them; an unpaired marker is text.
void Inline(std::string& out, std::string_view text) {
    bool bold = false;
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] == '`') {
            const auto end = text.find('`', i + 1);
            if (end != std::string_view::npos) {
                out += "<code>";
                AppendHtmlEscaped(out, text.substr(i + 1, end - i - 1));
                out += "</code>";
                i = end + 1;
                continue;
            }
        }
        if (text.substr(i, 2) == "**" &&
            (bold || text.find("**", i + 2) != std::string_view::npos)) {
            out += bold ? "</strong>" : "<strong>";
            bold = !bold;
            i += 2;
            continue;
        }
        AppendHtmlEscaped(out, text.substr(i, 1));
        ++i;
    }
    if (bold) out += "</strong>";
}

// The cells of a pipe table row: "| a | b |" → {"a", "b"}.
std::vector<std::string_view> Cells(std::string_view row) {
    std::vector<std::string_view> cells;
    if (row.starts_with('|')) row.remove_prefix(1);
    if (row.ends_with('|')) row.remove_suffix(1);
    for (std::size_t start = 0;;) {
        const auto bar = row.find('|', start);
        auto cell = row.substr(start, bar == std::string_view::npos ? bar : bar - start);
        while (cell.starts_with(' ')) cell.remove_prefix(1);
        while (cell.ends_with(' ')) cell.remove_suffix(1);
        cells.push_back(cell);
        if (bar == std::string_view::npos) break;
        start = bar + 1;
    }
    return cells;
}

void TableRow(std::string& out, std::string_view row, std::string_view tag) {
    out += "<tr>";
    for (const auto cell : Cells(row)) {
        out.append("<").append(tag).append(">");
        Inline(out, cell);
        out.append("</").append(tag).append(">");
    }
    out += "</tr>\n";
}

bool IsSeparator(std::string_view line) {
    return line.starts_with("|") && line.find_first_not_of("|-: ") == std::string_view::npos;
}

std::vector<std::string_view> Lines(std::string_view text) {
    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start <= text.size();) {
        const auto end = text.find('\n', start);
        lines.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return lines;
}

}  // namespace

std::string MarkdownToHtml(std::string_view markdown) {
    std::string out;
    const auto lines = Lines(markdown);
    for (std::size_t i = 0; i < lines.size();) {
        const auto line = lines[i];
        if (line.empty()) {
            ++i;
        } else if (line.starts_with("#")) {
            const auto level = line.find_first_not_of('#');
            if (level <= 3 && line[level] == ' ') {  // npos is > 3
                const char digit = static_cast<char>('0' + level);
                out.append("<h").append(1, digit).append(">");
                Inline(out, line.substr(level + 1));
                out.append("</h").append(1, digit).append(">\n");
            } else {
                out += "<p>";
                Inline(out, line);
                out += "</p>\n";
            }
            ++i;
        } else if (line.starts_with("- ")) {
            out += "<ul>\n";
            for (; i < lines.size() && lines[i].starts_with("- "); ++i) {
                out += "<li>";
                Inline(out, lines[i].substr(2));
                out += "</li>\n";
            }
            out += "</ul>\n";
        } else if (line.starts_with("|") && i + 1 < lines.size() && IsSeparator(lines[i + 1])) {
            out += "<div class=\"table-wrap\" tabindex=\"0\"><table>\n<thead>";
            TableRow(out, line, "th");
            out += "</thead>\n<tbody>\n";
            for (i += 2; i < lines.size() && lines[i].starts_with("|"); ++i) {
                TableRow(out, lines[i], "td");
            }
            out += "</tbody></table></div>\n";
        } else {
            // A paragraph: this line (whatever it starts with) and the plain lines after it.
            out += "<p>";
            Inline(out, line);
            for (++i; i < lines.size() && !lines[i].empty() && !lines[i].starts_with("#") &&
                      !lines[i].starts_with("- ") && !lines[i].starts_with("|");
                 ++i) {
                out += ' ';
                Inline(out, lines[i]);
            }
            out += "</p>\n";
        }
    }
    return out;
}

}  // namespace attrition::http
