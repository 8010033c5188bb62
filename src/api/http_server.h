// A small HTTP/1.1 server on Boost.Beast: keep-alive, pipelining-safe,
// request limits, graceful shutdown. It knows nothing of FHIR routes: it hands
// each complete request to a Handler.
//
// Threading: `io_threads` run the sockets. Safe requests (GET, HEAD) are
// handled inline on the I/O thread (store reads never block); other methods
// run on a pool of `worker_threads`, because a write waits for its group
// commit and must not stall the sockets of other clients.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace parcours::api {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target, e.g. "/fhir/Patient?name=x"
  std::string path;    // target before '?', still percent-encoded
  std::string query;   // target after '?', without it ("" if none)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote;   // peer address "ip:port"
  bool secure = false;  // arrived over TLS (https)

  // Case-insensitive header lookup; empty view when absent.
  std::string_view header(std::string_view name) const;
};

// "https://host:port" (or http) as the client addressed us, from the Host
// header; only plain host[:port] characters, so a forged Host cannot inject
// into Location headers or fullUrls ("localhost" otherwise).
std::string request_origin(const HttpRequest& req);

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  void set_header(std::string name, std::string value);
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponse&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: an ephemeral port (see HttpServer::port())
  int io_threads = 2;
  int worker_threads = 16;
  std::size_t max_body_bytes = 32u << 20;    // larger bodies: 413
  std::size_t max_header_bytes = 64u << 10;  // larger headers: 431
  std::chrono::seconds idle_timeout{60};     // keep-alive connections
  std::chrono::seconds read_timeout{30};     // one request, headers and body
  // HTTPS when both are set: PEM certificate chain and private key files.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads. Fails with a clear message when the
  // address is taken or invalid.
  Status start();
  // The bound port (useful with port 0).
  std::uint16_t port() const;
  // Graceful stop: refuses new connections, lets every request already read
  // finish and its response be written, closes idle connections, joins the
  // threads. Idempotent; safe to call from any thread except a handler.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parcours::api
