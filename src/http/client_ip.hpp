// The client address to log: the TCP peer, or — only when the peer is a configured trusted
// proxy — the right-most X-Forwarded-For hop that is not itself a trusted proxy. Immutable
// after construction; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace attrition::http {

class ClientIpResolver {
  public:
    explicit ClientIpResolver(std::vector<std::string> trusted_proxies = {});
    std::string Resolve(std::string_view peer_ip, std::string_view forwarded_for) const;

  private:
    bool Trusted(std::string_view ip) const;
    std::vector<std::string> trusted_;
};

}  // namespace attrition::http
