// HTTP/1.1 server on Boost.Beast. See http_server.h for the contract.
//
// Layout: one io_context per I/O thread (a connection lives on one thread for
// its whole life, so its handlers never run concurrently and need no strand
// or mutex; measured faster than one shared io_context + a strand per
// connection). The acceptor hands connections out round-robin. Non-GET/HEAD
// requests run on a thread_pool and their response is posted back to the
// connection's io_context.
#include "api/http_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "fhir/json.h"

namespace parcours::api {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// One executor per connection. With one io_context per thread the plain
// io_context executor is already an implicit strand.
#if defined(PARCOURS_HTTP_SHARED_CONTEXT)
using Executor = asio::strand<asio::io_context::executor_type>;
Executor connection_executor(asio::io_context& ctx) { return asio::make_strand(ctx); }
#else
using Executor = asio::io_context::executor_type;
Executor connection_executor(asio::io_context& ctx) { return ctx.get_executor(); }
#endif
using Stream = beast::basic_stream<tcp, Executor>;
// HTTPS: TLS over the same TCP stream (OpenSSL, via Asio).
using TlsStream = beast::ssl_stream<Stream>;
using Parser = http::request_parser<http::string_body>;

constexpr std::size_t kReadChunk = 16 * 1024;
// After a server-side close, unread request bytes would make the kernel send
// an RST that can destroy the response still in flight; drain them a while.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerMaxBytes = 4u << 20;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// Minimal FHIR OperationOutcome for errors the HTTP layer itself produces.
std::string outcome_json(std::string_view code, std::string_view diagnostics) {
  std::string s = R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":)";
  append_json_string(s, code);
  s += R"(,"diagnostics":)";
  append_json_string(s, diagnostics);
  s += "}]}";
  return s;
}

void set_outcome(HttpResponse& res, int status, std::string_view code, std::string_view diagnostics) {
  res.status = status;
  res.headers.clear();
  res.headers.emplace_back("Content-Type", "application/fhir+json");
  res.body = outcome_json(code, diagnostics);
}

// RFC 9110 IMF-fixdate, formatted once per second per thread.
std::string_view http_date() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local std::time_t cached_second = -1;
  thread_local char buf[64];
  thread_local std::size_t len = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    int n = std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                          tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                          tm.tm_sec);
    len = n > 0 ? static_cast<std::size_t>(n) : 0;
    cached_second = now;
  }
  return {buf, len};
}

std::string endpoint_string(const tcp::endpoint& ep) {
  auto addr = ep.address();
  // A dual-stack listener ("::") sees IPv4 clients as ::ffff:a.b.c.d.
  if (addr.is_v6() && addr.to_v6().is_v4_mapped())
    addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  if (addr.is_v6()) return fmt::format("[{}]:{}", addr.to_string(), ep.port());
  return fmt::format("{}:{}", addr.to_string(), ep.port());
}

// Header values must not smuggle a CR/LF into the response (splitting).
void append_header_text(std::string& out, std::string_view s) {
  if (s.find_first_of("\r\n") == std::string_view::npos) {
    out.append(s);
    return;
  }
  for (char c : s) out.push_back(c == '\r' || c == '\n' ? ' ' : c);
}

void append_uint(std::string& out, std::size_t v) {
  char buf[24];
  char* p = buf + sizeof buf;
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  out.append(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

class SessionBase;

// Server state shared by the acceptor and the sessions. HttpServer::Impl
// derives from it (Impl itself is private to HttpServer).
struct Core {
  HttpServerOptions options;
  HttpHandler handler;
  std::atomic<bool> stopping{false};

  std::mutex sessions_mu;  // taken on connect and disconnect only
  std::list<std::weak_ptr<SessionBase>> sessions;
  // Set when the server speaks HTTPS (options.tls_cert_file).
  std::optional<asio::ssl::context> tls;

  // Declared after the session registry: destroyed before it, so handlers
  // dropped by an io_context destructor can still unregister.
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::optional<asio::strand<asio::io_context::executor_type>> accept_strand;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_retry;
  std::size_t next_context = 0;
  // After the io_contexts: workers may hold work on them, so join/destroy the
  // pool first.
  std::optional<asio::thread_pool> workers;
  std::vector<std::thread> threads;

  std::uint16_t bound_port = 0;
  std::mutex lifecycle_mu;  // serialises start() and stop()
  bool started = false;
  bool stopped = false;

  // Returns false (and does not register) once stop() has begun.
  bool register_session(const std::shared_ptr<SessionBase>& s,
                        std::list<std::weak_ptr<SessionBase>>::iterator& it) {
    std::lock_guard lock(sessions_mu);
    if (stopping.load()) return false;
    it = sessions.insert(sessions.end(), s);
    return true;
  }
  void unregister_session(std::list<std::weak_ptr<SessionBase>>::iterator it) {
    std::lock_guard lock(sessions_mu);
    sessions.erase(it);
  }

  void do_accept();
  void on_accept(error_code ec, Stream::socket_type socket);
};

// What the server needs of a connection, plain or TLS.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual Executor executor() = 0;
  virtual void on_stop() = 0;
};

// One connection. S is Stream (HTTP) or TlsStream (HTTPS); everything but
// the handshake is the same code.
template <class S>
class Session : public SessionBase, public std::enable_shared_from_this<Session<S>> {
  static constexpr bool kTls = !std::is_same_v<S, Stream>;

 public:
  Session(Core& core, Stream::socket_type&& socket)
      : core_(core), stream_(make_stream(core, std::move(socket))) {}

  ~Session() {
    if (registered_) core_.unregister_session(reg_);
  }

  void start() {
    error_code ec;
    auto peer = tcp_stream().socket().remote_endpoint(ec);
    if (ec) return;  // already gone
    req_.remote = endpoint_string(peer);
    req_.secure = kTls;
    tcp_stream().socket().set_option(tcp::no_delay(true), ec);
    if (!core_.register_session(this->shared_from_this(), reg_)) return;
    registered_ = true;
    if constexpr (kTls) {
      // The handshake counts as reading a request (slowloris).
      phase_ = Phase::Reading;
      tcp_stream().expires_after(core_.options.read_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code hec) {
                                if (hec) return self->close_now();  // not TLS, bad client: nobody to answer
                                self->do_read();
                              });
    } else {
      do_read();
    }
  }

  Executor executor() override { return stream_.get_executor(); }

  // Runs on the session's executor once stop() begins: idle connections close
  // now; busy ones notice `stopping` when they write their response.
  void on_stop() override {
    if (phase_ != Phase::Idle) return;
    error_code ec;
    // cancel, not close: if a request already arrived, its read completion is
    // queued with the data and is still served (with Connection: close).
    tcp_stream().socket().cancel(ec);
  }

 private:
  enum class Phase { Idle, Reading, Handling, Writing, Closing };

  void do_read() {
    if (buffer_.size() == 0) {
      if (core_.stopping.load()) return close_now();
      // A large header or body grew the buffer; give the memory back.
      if (buffer_.capacity() > 4 * kReadChunk) buffer_.shrink_to_fit();
      phase_ = Phase::Idle;
      // Waiting for the first byte of the next request: the idle timeout.
      tcp_stream().expires_after(core_.options.idle_timeout);
      stream_.async_read_some(
          buffer_.prepare(kReadChunk),
          [self = this->shared_from_this()](error_code ec, std::size_t n) { self->on_first_bytes(ec, n); });
      return;
    }
    start_request();  // pipelined bytes already buffered
  }

  void on_first_bytes(error_code ec, std::size_t n) {
    if (ec) return close_now();  // EOF, idle timeout, reset or stop
    buffer_.commit(n);
    start_request();
  }

  void start_request() {
    phase_ = Phase::Reading;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(core_.options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(core_.options.max_body_bytes);
    // Headers and body of one request must arrive within read_timeout
    // (slowloris).
    tcp_stream().expires_after(core_.options.read_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(error_code ec) {
    if (ec) return on_read_error(ec);
    const auto& msg = parser_->get();
    if (!parser_->is_done() && msg.version() >= 11) {
      auto expect = msg[http::field::expect];
      if (iequals(expect, "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                          [self = this->shared_from_this()](error_code wec, std::size_t) {
                            if (wec) return self->close_now();
                            self->read_body();
                          });
        return;
      }
    }
    read_body();
  }

  void read_body() {
    if (parser_->is_done()) return on_request();
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](error_code ec, std::size_t) {
                       if (ec) return self->on_read_error(ec);
                       self->on_request();
                     });
  }

  void on_read_error(error_code ec) {
    if (ec == http::error::header_limit) {
      return send_error(431, "too-long", "request header fields too large");
    }
    if (ec == http::error::body_limit) {
      return send_error(413, "too-long",
                        fmt::format("request body larger than {} bytes", core_.options.max_body_bytes));
    }
    if (ec == http::error::end_of_stream || ec == http::error::partial_message) return close_now();
    if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
      return send_error(400, "structure", "malformed HTTP request");
    }
    close_now();  // timeout, reset, aborted: nobody to answer
  }

  void send_error(int status, std::string_view code, std::string_view diagnostics) {
    keep_alive_ = false;
    must_linger_ = true;  // the rest of the request is still on its way
    head_request_ = false;
    http10_ = false;
    set_outcome(res_, status, code, diagnostics);
    write_response();
  }

  void on_request() {
    phase_ = Phase::Handling;
    auto& msg = parser_->get();
    req_.method.assign(msg.method_string());
    req_.target.assign(msg.target());
    auto q = req_.target.find('?');
    if (q == std::string::npos) {
      req_.path.assign(req_.target);
      req_.query.clear();
    } else {
      req_.path.assign(req_.target, 0, q);
      req_.query.assign(req_.target, q + 1);
    }
    req_.headers.clear();
    for (const auto& f : msg) req_.headers.emplace_back(f.name_string(), f.value());
    req_.body = std::move(msg.body());
    keep_alive_ = msg.keep_alive();
    http10_ = msg.version() < 11;
    auto method = msg.method();
    head_request_ = method == http::verb::head;
    parser_.reset();

    res_.status = 200;
    res_.headers.clear();
    res_.body.clear();

    if (method == http::verb::get || method == http::verb::head) {
      run_handler();
      return write_response();
    }
    // Writes may wait for a group commit: keep them off the I/O threads. The
    // tracked executor keeps the io_context running until the reply is
    // posted back, even during stop().
    auto back = asio::prefer(executor(), asio::execution::outstanding_work.tracked);
    asio::post(*core_.workers, [self = this->shared_from_this(), back = std::move(back)]() mutable {
      self->run_handler();
      asio::post(back, [self = std::move(self)] { self->write_response(); });
    });
  }

  void run_handler() {
    try {
      core_.handler(req_, res_);
    } catch (const std::exception& e) {
      spdlog::error("http: handler failed on {} {}: {}", req_.method, req_.target, e.what());
      set_outcome(res_, 500, "exception", "internal error");
    } catch (...) {
      spdlog::error("http: handler failed on {} {}: unknown exception", req_.method, req_.target);
      set_outcome(res_, 500, "exception", "internal error");
    }
  }

  void serialize_head(bool close) {
    int status = res_.status;
    if (status < 100 || status > 999) status = 500;
    auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status)));
    if (http::int_to_status(static_cast<unsigned>(status)) == http::status::unknown) reason = "Unknown";
    // No Content-Length for statuses that never carry a body (RFC 9110 §8.6).
    bool bodiless_status = status < 200 || status == 204 || status == 304;

    head_.clear();
    head_ += "HTTP/1.1 ";
    append_uint(head_, static_cast<std::size_t>(status));
    head_ += ' ';
    head_ += reason;
    head_ += "\r\n";
    bool has_date = false, has_server = false;
    for (const auto& [name, value] : res_.headers) {
      // Framing headers are ours alone.
      if (iequals(name, "content-length") || iequals(name, "connection") ||
          iequals(name, "transfer-encoding"))
        continue;
      if (iequals(name, "date")) has_date = true;
      if (iequals(name, "server")) has_server = true;
      append_header_text(head_, name);
      head_ += ": ";
      append_header_text(head_, value);
      head_ += "\r\n";
    }
    if (!has_date) {
      head_ += "Date: ";
      head_ += http_date();
      head_ += "\r\n";
    }
    if (!has_server) head_ += "Server: Parcours\r\n";
    if (!bodiless_status) {
      head_ += "Content-Length: ";
      append_uint(head_, res_.body.size());  // HEAD: the length of the GET body
      head_ += "\r\n";
    }
    if (close) {
      head_ += "Connection: close\r\n";
    } else if (http10_) {
      head_ += "Connection: keep-alive\r\n";
    }
    head_ += "\r\n";
  }

  void write_response() {
    phase_ = Phase::Writing;
    bool close = !keep_alive_ || core_.stopping.load();
    int status = res_.status;
    bool send_body =
        !head_request_ && !(status < 200 || status == 204 || status == 304) && !res_.body.empty();
    serialize_head(close);
    if constexpr (kTls) {
      // One buffer: TLS copies into records anyway, and a two-buffer write
      // through Beast's ssl_stream (Boost 1.81) was seen to stall after its
      // first record, the body never sent (tests/integration/tls_test.cc).
      if (send_body) head_ += res_.body;
      send_body = false;
    }
    std::array<asio::const_buffer, 2> bufs{asio::buffer(head_),
                                           send_body ? asio::buffer(res_.body) : asio::const_buffer()};
    // A client that does not read its response is cut off like a slow sender.
    tcp_stream().expires_after(core_.options.read_timeout);
    asio::async_write(stream_, bufs, [self = this->shared_from_this(), close](error_code ec, std::size_t) {
      if (ec) return self->close_now();
      if (close) return self->close_after_response();
      self->do_read();
    });
  }

  void close_after_response() {
    // Closing with unread bytes makes the kernel answer with an RST that can
    // destroy the response the client has not read yet. That risk exists when
    // the request was cut short (errors), when the client expected to keep
    // the connection (stop(): it may be pipelining), or when bytes are
    // already waiting; a client that asked for the close needs no lingering.
    error_code ec;
    if (must_linger_ || keep_alive_ || buffer_.size() > 0 || tcp_stream().socket().available(ec) > 0 || ec)
      return linger_close();
    close_now();
  }

  // Half-close, then discard what the client still sends until it closes too
  // (or kLingerTime passes).
  void linger_close() {
    phase_ = Phase::Closing;
    error_code ec;
    tcp_stream().socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close_now();
    buffer_.clear();
    linger_bytes_ = 0;
    tcp_stream().expires_after(kLingerTime);
    linger_read();
  }

  void linger_read() {
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](error_code ec, std::size_t n) {
                              self->linger_bytes_ += n;
                              if (ec || self->linger_bytes_ > kLingerMaxBytes) return self->close_now();
                              self->linger_read();
                            });
  }

  void close_now() {
    phase_ = Phase::Closing;
    error_code ec;
    tcp_stream().socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp_stream().close();
  }

  static S make_stream(Core& core, Stream::socket_type&& socket) {
    if constexpr (kTls) {
      return S(std::move(socket), *core.tls);
    } else {
      return S(std::move(socket));
    }
  }
  Stream& tcp_stream() { return beast::get_lowest_layer(stream_); }

  Core& core_;
  S stream_;
  beast::flat_buffer buffer_;  // reused across requests (and pipelined bytes)
  std::optional<Parser> parser_;
  HttpRequest req_;   // reused: strings keep their capacity
  HttpResponse res_;  // reused
  std::string head_;  // serialised status line and headers, reused
  Phase phase_ = Phase::Idle;
  bool keep_alive_ = false;  // what the client asked for
  bool must_linger_ = false;
  bool head_request_ = false;
  bool http10_ = false;
  bool registered_ = false;
  std::size_t linger_bytes_ = 0;
  std::list<std::weak_ptr<SessionBase>>::iterator reg_;
};

void Core::do_accept() {
  // The new socket is bound to the next io_context, round-robin.
  auto ex = connection_executor(*contexts[next_context]);
  next_context = (next_context + 1) % contexts.size();
  acceptor->async_accept(
      ex, asio::bind_executor(*accept_strand,
                              [this](error_code ec, Stream::socket_type s) { on_accept(ec, std::move(s)); }));
}

void Core::on_accept(error_code ec, Stream::socket_type socket) {
  if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
  if (ec) {
    // E.g. EMFILE: back off a little instead of spinning.
    spdlog::warn("http: accept failed: {}", ec.message());
    accept_retry->expires_after(std::chrono::milliseconds(50));
    accept_retry->async_wait(asio::bind_executor(*accept_strand, [this](error_code tec) {
      if (!tec && acceptor->is_open()) do_accept();
    }));
    return;
  }
  // Everything a session does, including its start, runs on its own executor.
  if (tls) {
    auto session = std::make_shared<Session<TlsStream>>(*this, std::move(socket));
    auto ex = session->executor();
    asio::post(ex, [s = std::move(session)] { s->start(); });
  } else {
    auto session = std::make_shared<Session<Stream>>(*this, std::move(socket));
    auto ex = session->executor();
    asio::post(ex, [s = std::move(session)] { s->start(); });
  }
  do_accept();
}

}  // namespace

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return {};
}

std::string request_origin(const HttpRequest& req) {
  std::string_view host = req.header("Host");
  bool sane = !host.empty() && host.size() < 256 && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr(".-:[]", c);
  });
  return std::string(req.secure ? "https://" : "http://") + std::string(sane ? host : "localhost");
}

void HttpResponse::set_header(std::string name, std::string value) {
  for (auto& h : headers) {
    if (iequals(h.first, name)) {
      h.second = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

struct HttpServer::Impl : Core {};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() { stop(); }

std::uint16_t HttpServer::port() const { return impl_->bound_port; }

Status HttpServer::start() {
  auto& c = *impl_;
  std::lock_guard lock(c.lifecycle_mu);
  if (c.started) return Error(500, "exception", "HTTP server already started");
  const auto& o = c.options;
  auto where = o.host.find(':') == std::string::npos ? fmt::format("{}:{}", o.host, o.port)
                                                     : fmt::format("[{}]:{}", o.host, o.port);

  error_code ec;
  asio::ip::address addr;
  if (o.host == "localhost") {
    addr = asio::ip::address_v4::loopback();
  } else {
    addr = asio::ip::make_address(o.host, ec);
    if (ec) return Error(500, "exception", fmt::format("cannot listen on {}: invalid host address", where));
  }
  tcp::endpoint endpoint(addr, o.port);

  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    if (o.tls_cert_file.empty() || o.tls_key_file.empty())
      return Error(500, "exception", "HTTPS needs both a certificate chain and its private key (PEM files)");
    // TLS 1.2 at least (ANSSI, Recommandations de sécurité relatives à TLS,
    // v1.2, 2020: R3; TLS 1.0 and 1.1 are deprecated by RFC 8996).
    c.tls.emplace(asio::ssl::context::tls_server);
    c.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    c.tls->use_certificate_chain_file(o.tls_cert_file, ec);
    if (ec) {
      c.tls.reset();
      return Error(500, "exception",
                   fmt::format("cannot read the TLS certificate {}: {}", o.tls_cert_file, ec.message()));
    }
    c.tls->use_private_key_file(o.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) {
      c.tls.reset();
      // The path only: never the key's content.
      return Error(500, "exception",
                   fmt::format("cannot read the TLS private key {}: {}", o.tls_key_file, ec.message()));
    }
  }
  int n_io = std::max(1, o.io_threads);
#if defined(PARCOURS_HTTP_SHARED_CONTEXT)
  c.contexts.push_back(std::make_unique<asio::io_context>(n_io));
#else
  for (int i = 0; i < n_io; ++i) c.contexts.push_back(std::make_unique<asio::io_context>(1));
#endif
  c.accept_strand.emplace(asio::make_strand(*c.contexts[0]));
  c.acceptor.emplace(*c.contexts[0]);
  c.accept_retry.emplace(*c.contexts[0]);
  auto fail = [&](const error_code& e) -> Status {
    c.acceptor.reset();
    c.accept_retry.reset();
    c.accept_strand.reset();
    c.contexts.clear();
    return Error(500, "exception", fmt::format("cannot listen on {}: {}", where, e.message()));
  };
  c.acceptor->open(endpoint.protocol(), ec);
  if (ec) return fail(ec);
  c.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail(ec);
  c.acceptor->bind(endpoint, ec);
  if (ec) return fail(ec);
  c.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(ec);
  c.bound_port = c.acceptor->local_endpoint(ec).port();
  if (ec) return fail(ec);

  c.workers.emplace(static_cast<std::size_t>(std::max(1, o.worker_threads)));
  for (auto& ctx : c.contexts) c.guards.push_back(asio::make_work_guard(*ctx));
  asio::post(*c.accept_strand, [&c] { c.do_accept(); });
  for (int i = 0; i < n_io; ++i) {
    auto& ctx = *c.contexts[static_cast<std::size_t>(i) % c.contexts.size()];
    c.threads.emplace_back([&ctx] {
      for (;;) {
        try {
          ctx.run();
          return;
        } catch (const std::exception& e) {  // our handlers do not throw; be safe
          spdlog::error("http: I/O thread caught: {}", e.what());
        }
      }
    });
  }
  c.started = true;
  return Status::Ok();
}

void HttpServer::stop() {
  auto& c = *impl_;
  std::lock_guard lock(c.lifecycle_mu);
  if (!c.started || c.stopped) return;
  c.stopped = true;

  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard slock(c.sessions_mu);
    c.stopping.store(true);
    for (auto& w : c.sessions)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  asio::post(*c.accept_strand, [&c] {
    error_code ec;
    c.acceptor->close(ec);
    c.accept_retry->cancel();
  });
  for (auto& s : live) asio::post(s->executor(), [s] { s->on_stop(); });
  live.clear();
  // The io_contexts now run until the last connection has closed.
  c.guards.clear();
  for (auto& t : c.threads) t.join();
  c.threads.clear();
  c.workers->join();
}

}  // namespace parcours::api
