// A small blocking HTTP/1.1 client for black-box tests: one keep-alive connection to
// 127.0.0.1:port, plus raw writes for pipelining and malformed-request tests. Not thread-safe:
// one client per thread.
#pragma once

#include <map>
#include <memory>
#include <string>

namespace attrition::test {

struct HttpResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    bool keep_alive = false;
    std::string Header(const std::string& name) const;
};

class HttpClient {
  public:
    explicit HttpClient(unsigned short port);  // connects; throws on failure
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    HttpResponse Get(const std::string& target,
                     const std::map<std::string, std::string>& headers = {});
    HttpResponse Post(const std::string& target,
                      const std::string& body,
                      const std::map<std::string, std::string>& headers = {
                          {"Content-Type", "application/json"}});
    HttpResponse Send(const std::string& method,
                      const std::string& target,
                      const std::string& body,
                      const std::map<std::string, std::string>& headers);

    // Raw bytes on the connection, then read one response (for pipelining and bad requests).
    void WriteRaw(const std::string& bytes);
    HttpResponse ReadResponse();
    // True when the server closed the connection (read returns EOF).
    bool ServerClosed();

  private:
    HttpResponse Read(bool head);
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace attrition::test
