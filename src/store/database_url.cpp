#include "store/database_url.hpp"

#include <fmt/core.h>
#include <libpq-fe.h>

#include <array>
#include <memory>

namespace attrition::store {
namespace {

using base::ErrorCode;
using base::Fail;

constexpr std::string_view kMask = "***";
constexpr std::array<std::string_view, 3> kPostgresSchemes = {"postgresql://", "postgres://",
                                                              "postgresql+asyncpg://"};
constexpr std::string_view kSqliteScheme = "sqlite:///";

bool StartsWith(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

std::string PercentDecode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            const auto hex = std::string(text.substr(i + 1, 2));
            char* end = nullptr;
            const long value = std::strtol(hex.c_str(), &end, 16);
            if (end == hex.c_str() + 2) {
                out.push_back(static_cast<char>(value));
                i += 2;
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

// Position and length of the userinfo password in a URL, if any.
struct Span {
    std::size_t begin = std::string_view::npos;
    std::size_t length = 0;
};

Span FindUserinfoPassword(std::string_view url) {
    // Without a scheme ("user:secret@host/db" typed by mistake) the userinfo starts at 0.
    const auto scheme_end = url.find("://");
    const std::size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
    const auto query = url.find('?', start);
    const auto authority_and_path =
        url.substr(start, query == std::string_view::npos ? std::string_view::npos : query - start);
    // The last '@' before the query ends the userinfo, so a password holding '/' or '@'
    // (wrongly unencoded) is still found.
    const auto at = authority_and_path.rfind('@');
    if (at == std::string_view::npos) return {};
    const auto colon = authority_and_path.substr(0, at).find(':');
    if (colon == std::string_view::npos) return {};
    return Span{start + colon + 1, at - colon - 1};
}

// A sqlite:/// URL: what follows the scheme is the database file's path.
base::Result<DatabaseUrl> ParseSqliteUrl(std::string_view url, DatabaseUrl parsed) {
    const auto path = url.substr(kSqliteScheme.size());
    if (path.empty() || path.find('?') != std::string_view::npos) {
        return Fail(ErrorCode::kInvalidConfig,
                    fmt::format("invalid SQLite database URL {}: expected sqlite:///path "
                                "(relative), sqlite:////path (absolute) or "
                                "sqlite:///:memory:",
                                parsed.redacted));
    }
    parsed.backend = Backend::kSqlite;
    parsed.target = std::string(path);
    return parsed;
}

// A PostgreSQL URL (what follows its scheme), checked by libpq, which may also hold a password.
base::Result<DatabaseUrl> ParsePostgresUrl(std::string_view after_scheme, DatabaseUrl parsed) {
    parsed.backend = Backend::kPostgres;
    parsed.target = "postgresql://" + std::string(after_scheme);
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
        PQconninfoParse(parsed.target.c_str(), &error), &PQconninfoFree);
    if (!options) {
        std::string reason = error != nullptr ? error : "out of memory";
        PQfreemem(error);
        while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) {
            reason.pop_back();
        }
        return Fail(ErrorCode::kInvalidConfig,
                    ScrubSecret(fmt::format("invalid PostgreSQL database URL {}: {}",
                                            parsed.redacted, reason),
                                parsed.password));
    }
    for (auto* option = options.get(); option->keyword != nullptr; ++option) {
        if (std::string_view(option->keyword) == "password" && option->val != nullptr &&
            parsed.password.empty()) {
            parsed.password = option->val;
        }
    }
    return parsed;
}

}  // namespace

std::string RedactUrl(std::string_view url) {
    std::string out(url);
    if (const auto password = FindUserinfoPassword(out); password.begin != std::string::npos) {
        out.replace(password.begin, password.length, kMask);
    }
    // password=... in the query string (libpq accepts it there too).
    const auto query = out.find('?');
    if (query == std::string::npos) return out;
    std::size_t pos = query + 1;
    while (pos < out.size()) {
        auto end = out.find('&', pos);
        if (end == std::string::npos) end = out.size();
        if (out.compare(pos, 9, "password=") == 0) {
            out.replace(pos + 9, end - pos - 9, kMask);
            end = pos + 9 + kMask.size();
        }
        pos = end + 1;
    }
    return out;
}

std::string ScrubSecret(std::string message, std::string_view password) {
    if (password.empty()) return message;
    const std::string decoded = PercentDecode(password);
    for (const std::string_view secret : {password, std::string_view(decoded)}) {
        if (secret.empty()) continue;
        std::size_t pos = 0;
        while ((pos = message.find(secret, pos)) != std::string::npos) {
            message.replace(pos, secret.size(), kMask);
            pos += kMask.size();
        }
    }
    return message;
}

std::string_view BackendName(Backend backend) noexcept {
    switch (backend) {
        case Backend::kPostgres:
            return "postgresql";
        case Backend::kSqlite:
            return "sqlite";
        case Backend::kNone:
            break;
    }
    return "none";
}

base::Result<DatabaseUrl> ParseDatabaseUrl(std::string_view url) {
    DatabaseUrl parsed;
    if (url.empty()) {
        parsed.backend = Backend::kSqlite;
        parsed.target = std::string(kDefaultSqlitePath);
        parsed.redacted = fmt::format("sqlite:///{}", kDefaultSqlitePath);
        parsed.is_default = true;
        return parsed;
    }
    parsed.redacted = RedactUrl(url);
    if (url == "none") {
        parsed.backend = Backend::kNone;
        return parsed;
    }
    if (const auto span = FindUserinfoPassword(url); span.begin != std::string_view::npos) {
        parsed.password = std::string(url.substr(span.begin, span.length));
    }
    if (StartsWith(url, kSqliteScheme)) return ParseSqliteUrl(url, std::move(parsed));
    for (const auto scheme : kPostgresSchemes) {
        if (StartsWith(url, scheme)) {
            return ParsePostgresUrl(url.substr(scheme.size()), std::move(parsed));
        }
    }
    const auto scheme_end = url.find("://");
    const auto scheme = scheme_end == std::string_view::npos
                            ? std::string_view("(none)")
                            : std::string_view(parsed.redacted).substr(0, scheme_end);
    return Fail(ErrorCode::kInvalidConfig,
                fmt::format("unsupported database URL {} (scheme {}): use postgresql://..., "
                            "postgres://..., sqlite:///path or none",
                            parsed.redacted, scheme));
}

}  // namespace attrition::store
