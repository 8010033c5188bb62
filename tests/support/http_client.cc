#include "support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace parcours::testing {

std::string Response::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }))
      return v;
  }
  return "";
}

HttpClient::HttpClient(std::string host, std::uint16_t port) : host_(std::move(host)), port_(port) {}
HttpClient::~HttpClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool HttpClient::connect_() {
  if (fd_ >= 0) ::close(fd_);
  buffer_.clear();
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  ::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return true;
}

static bool send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

Response HttpClient::read_response() {
  Response r;
  auto fill = [&]() -> bool {
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  };
  std::size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
    if (!fill()) throw std::runtime_error("connection closed before the response headers");
  std::string head = buffer_.substr(0, end);
  buffer_.erase(0, end + 4);
  std::size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  r.status = std::stoi(status_line.substr(9, 3));
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    std::size_t e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    std::string line = head.substr(pos, e - pos);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string v = line.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      r.headers.emplace_back(line.substr(0, colon), v);
    }
    pos = e + 2;
  }
  std::string cl = r.header("Content-Length");
  std::size_t length = cl.empty() ? 0 : std::stoul(cl);
  if (r.header("Transfer-Encoding") == "chunked")
    throw std::runtime_error("chunked responses are not expected");
  while (buffer_.size() < length)
    if (!fill()) throw std::runtime_error("connection closed before the end of the body");
  r.body = buffer_.substr(0, length);
  buffer_.erase(0, length);
  if (r.header("Connection") == "close") {
    ::close(fd_);
    fd_ = -1;
  }
  return r;
}

Response HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                             std::vector<std::pair<std::string, std::string>> headers) {
  std::string req =
      method + " " + target + " HTTP/1.1\r\nHost: " + host_ + ":" + std::to_string(port_) + "\r\n";
  bool has_ct = false;
  for (const auto& [k, v] : headers) {
    req += k + ": " + v + "\r\n";
    if (k == "Content-Type") has_ct = true;
  }
  if (!body.empty() && !has_ct) req += "Content-Type: application/fhir+json\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (fd_ < 0 && !connect_()) throw std::runtime_error("cannot connect");
    if (!send_all(fd_, req)) {
      // The server may answer early (413) and stop reading: its response can
      // still be waiting in our receive buffer.
      try {
        return read_response();
      } catch (const std::exception&) {
        ::close(fd_);
        fd_ = -1;
        continue;
      }
    }
    try {
      if (method == "HEAD") {
        // No body follows a HEAD response whatever Content-Length says.
        Response r;
        std::size_t end;
        char buf[4096];
        while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
          ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
          if (n <= 0) throw std::runtime_error("closed");
          buffer_.append(buf, static_cast<std::size_t>(n));
        }
        r.status = std::stoi(buffer_.substr(9, 3));
        buffer_.erase(0, end + 4);
        return r;
      }
      return read_response();
    } catch (const std::exception&) {
      if (attempt == 1) throw;
      ::close(fd_);
      fd_ = -1;
    }
  }
  throw std::runtime_error("request failed");
}

Response HttpClient::raw(const std::string& bytes) {
  if (!connect_()) throw std::runtime_error("cannot connect");
  send_all(fd_, bytes);
  return read_response();
}

}  // namespace parcours::testing
