// A minimal blocking HTTP/1.1 client over POSIX sockets, for integration
// tests: real TCP on loopback, no dependency on the server's own stack.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace parcours::testing {

struct Response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string header(const std::string& name) const;  // case-insensitive, "" if absent
};

class HttpClient {
 public:
  HttpClient(std::string host, std::uint16_t port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request on a kept-alive connection (reconnecting if needed).
  Response request(const std::string& method, const std::string& target, const std::string& body = "",
                   std::vector<std::pair<std::string, std::string>> headers = {});
  // Sends raw bytes and reads one response (for malformed-request tests).
  Response raw(const std::string& bytes);

 private:
  bool connect_();
  Response read_response();
  std::string host_;
  std::uint16_t port_;
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace parcours::testing
