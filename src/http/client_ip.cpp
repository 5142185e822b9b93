#include "http/client_ip.hpp"

#include <algorithm>
#include <string>

#include "http/net.hpp"

namespace attrition::http {
namespace {

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// A hop is believed only when it is an IP address: anything else (a forged or garbled
// header, invalid UTF-8) never reaches the log's client_ip column.
bool IsIpAddress(std::string_view text) {
    if (text.empty() || text.size() > 45) return false;  // the schema's 45 characters
    beast::error_code ec;
    net::ip::make_address(std::string(text), ec);
    return !ec;
}

}  // namespace

ClientIpResolver::ClientIpResolver(std::vector<std::string> trusted_proxies)
    : trusted_(std::move(trusted_proxies)) {}

bool ClientIpResolver::Trusted(std::string_view ip) const {
    return std::find(trusted_.begin(), trusted_.end(), ip) != trusted_.end();
}

std::string ClientIpResolver::Resolve(std::string_view peer_ip,
                                      std::string_view forwarded_for) const {
    if (!Trusted(peer_ip) || forwarded_for.empty()) return std::string(peer_ip);
    // Walk from the right: each hop was appended by the proxy before it.
    std::string_view rest = forwarded_for;
    while (!rest.empty()) {
        const auto comma = rest.rfind(',');
        const std::string_view hop =
            Trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
        if (!hop.empty() && !Trusted(hop)) {
            return IsIpAddress(hop) ? std::string(hop) : std::string(peer_ip);
        }
        if (comma == std::string_view::npos) break;
        rest = rest.substr(0, comma);
    }
    return std::string(peer_ip);
}

}  // namespace attrition::http
