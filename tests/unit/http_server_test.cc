// HttpServer over real loopback sockets: framing, limits, errors, threading,
// graceful stop.
#include "api/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include "fhir/json.h"

namespace parcours::api {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

struct Reply {
  int status = 0;
  std::string body;
  http::fields fields;
  std::string header(std::string_view name) const { return std::string(fields[name]); }
};

// A blocking client on one connection; responses parsed by Beast.
class Client {
 public:
  explicit Client(std::uint16_t port) : socket_(ctx_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  void send(std::string_view raw) { asio::write(socket_, asio::buffer(raw.data(), raw.size())); }

  Reply read(bool head = false) {
    http::response_parser<http::string_body> p;
    p.body_limit(64u << 20);
    p.skip(head);
    http::read(socket_, buffer_, p);
    Reply r;
    auto msg = p.release();
    r.status = static_cast<int>(msg.result_int());
    r.body = std::move(msg.body());
    r.fields = static_cast<http::fields&&>(msg.base());
    return r;
  }

  Reply get(const std::string& target, const std::string& extra = "") {
    send("GET " + target + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n");
    return read();
  }

  Reply post(const std::string& target, const std::string& body, const std::string& extra = "") {
    send("POST " + target + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + extra + "\r\n" + body);
    return read();
  }

  // True when the server has closed the connection (EOF or reset) with no
  // further bytes.
  bool closed_by_peer() {
    if (buffer_.size() > 0) return false;
    char c;
    boost::system::error_code ec;
    socket_.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  tcp::socket& socket() { return socket_; }

 private:
  asio::io_context ctx_;
  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

// Handler used by most tests: echoes the request as a small text document.
void echo(const HttpRequest& req, HttpResponse& res) {
  if (req.path == "/throw") throw std::runtime_error("secret internal detail");
  if (req.path == "/slow") std::this_thread::sleep_for(300ms);
  res.set_header("Content-Type", "text/plain");
  res.body = req.method + "|" + req.path + "|" + req.query + "|" + std::string(req.header("x-test")) + "|" +
             req.body;
}

HttpServerOptions test_options() {
  HttpServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.io_threads = 2;
  o.worker_threads = 4;
  return o;
}

void expect_outcome(const Reply& r, std::string_view code) {
  EXPECT_EQ(r.header("Content-Type"), "application/fhir+json");
  auto j = parse_json(r.body);
  ASSERT_TRUE(j.ok()) << r.body;
  EXPECT_EQ(j->get_string("resourceType"), "OperationOutcome");
  const auto* issues = j->find("issue");
  ASSERT_TRUE(issues && issues->is_array() && issues->size() == 1) << r.body;
  EXPECT_EQ(issues->as_array()[0].get_string("severity"), "error");
  EXPECT_EQ(issues->as_array()[0].get_string("code"), code);
}

TEST(HttpMessages, HeaderLookupIsCaseInsensitive) {
  HttpRequest req;
  req.headers = {{"Content-Type", "application/fhir+json"}, {"X-Empty", ""}};
  EXPECT_EQ(req.header("content-type"), "application/fhir+json");
  EXPECT_EQ(req.header("CONTENT-TYPE"), "application/fhir+json");
  EXPECT_EQ(req.header("x-empty"), "");
  EXPECT_TRUE(req.header("Accept").empty());

  HttpResponse res;
  res.set_header("ETag", "W/\"1\"");
  res.set_header("etag", "W/\"2\"");
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].second, "W/\"2\"");
}

TEST(HttpServer, GetAndPostEcho) {
  HttpServer server(test_options(), echo);
  ASSERT_TRUE(server.start().ok());
  ASSERT_NE(server.port(), 0);
  Client c(server.port());

  auto r = c.get("/fhir/Patient/1", "X-Test: hello\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "GET|/fhir/Patient/1||hello|");
  EXPECT_EQ(r.header("Content-Type"), "text/plain");
  EXPECT_EQ(r.header("Server"), "Parcours");
  EXPECT_EQ(r.header("Content-Length"), std::to_string(r.body.size()));
  EXPECT_TRUE(r.header("Date").ends_with(" GMT")) << r.header("Date");

  r = c.post("/fhir/Patient", R"({"resourceType":"Patient"})", "x-TEST: post\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"(POST|/fhir/Patient||post|{"resourceType":"Patient"})");

  // Chunked request bodies are decoded.
  c.send("PUT /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  r = c.read();
  EXPECT_EQ(r.body, "PUT|/x|||abcde");
}

TEST(HttpServer, RequestFieldsAndQuerySplit) {
  std::promise<HttpRequest> seen;
  auto fut = seen.get_future();
  HttpServer server(test_options(), [&](const HttpRequest& req, HttpResponse&) {
    if (req.path == "/capture") seen.set_value(req);
  });
  ASSERT_TRUE(server.start().ok());
  Client c(server.port());
  c.get("/capture?name=a%20b&_count=2", "X-Multi: 1\r\nAccept: application/fhir+json\r\n");
  auto req = fut.get();
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.target, "/capture?name=a%20b&_count=2");
  EXPECT_EQ(req.path, "/capture");
  EXPECT_EQ(req.query, "name=a%20b&_count=2");
  EXPECT_EQ(req.header("accept"), "application/fhir+json");
  EXPECT_EQ(req.header("HOST"), "t");
  EXPECT_TRUE(req.remote.starts_with("127.0.0.1:")) << req.remote;

  auto r = c.get("/a?");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.header("Content-Length"), "0");
}

TEST(HttpServer, QueryEdgeCases) {
  HttpServer server(test_options(), echo);
  ASSERT_TRUE(server.start().ok());
  Client c(server.port());
  EXPECT_EQ(c.get("/a?").body, "GET|/a|||");
  EXPECT_EQ(c.get("/a?x=1?y").body, "GET|/a|x=1?y||");
  EXPECT_EQ(c.get("/").body, "GET|/|||");
}

TEST(HttpServer, KeepAliveManyRequestsOnOneConnection) {
  std::atomic<int> distinct_remotes{0};
  std::string first_remote;
  std::mutex mu;
  HttpServer server(test_options(), [&](const HttpRequest& req, HttpResponse& res) {
    std::lock_guard lock(mu);
    if (first_remote != req.remote) {
      first_remote = req.remote;
      ++distinct_remotes;
    }
    res.body = req.path;
  });
  ASSERT_TRUE(server.start().ok());
  Client c(server.port());
  for (int i = 0; i < 500; ++i) {
    auto path = "/r" + std::to_string(i);
    auto r = (i % 3 == 0) ? c.post(path, "x") : c.get(path);
    ASSERT_EQ(r.status, 200);
    ASSERT_EQ(r.body, path);
    ASSERT_TRUE(r.header("Connection").empty()) << r.header("Connection");
  }
  EXPECT_EQ(distinct_remotes.load(), 1);  // one connection served them all
}

TEST(HttpServer, PipelinedRequestsAnsweredInOrder) {
  HttpServer server(test_options(), [](const HttpRequest& req, HttpResponse& res) {
    // Early POSTs are slower than later GETs: order must still hold.
    if (req.method == "POST") std::this_thread::sleep_for(20ms);
    res.body = req.method + " " + req.path + " " + req.body;
  });
  ASSERT_TRUE(server.start().ok());
  Client c(server.port());
  std::string batch;
  for (int i = 0; i < 20; ++i) {
    if (i % 4 == 0) {
      batch += "POST /p" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi";
    } else {
      batch += "GET /g" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\n\r\n";
    }
  }
  c.send(batch);  // one write: the server sees them all at once
  for (int i = 0; i < 20; ++i) {
    auto r = c.read();
    ASSERT_EQ(r.status, 200);
    if (i % 4 == 0) {
      EXPECT_EQ(r.body, "POST /p" + std::to_string(i) + " hi");
    } else {
      EXPECT_EQ(r.body, "GET /g" + std::to_string(i) + " ");
    }
  }
}

TEST(HttpServer, BodyTooLargeIs413WithOutcome) {
  auto o = test_options();
  o.max_body_bytes = 1024;
  std::atomic<int> calls{0};
  HttpServer server(o, [&](const HttpRequest&, HttpResponse&) { ++calls; });
  ASSERT_TRUE(server.start().ok());
  {
    // Declared length over the limit: refused before the body is read.
    Client c(server.port());
    c.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" + std::string(100, 'a'));
    auto r = c.read();
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(r.header("Connection"), "close");
    expect_outcome(r, "too-long");
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    // Chunked body that grows over the limit.
    Client c(server.port());
    std::string chunk(600, 'b');
    c.send("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n" + chunk +
           "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n");
    auto r = c.read();
    EXPECT_EQ(r.status, 413);
    expect_outcome(r, "too-long");
  }
  {
    // Exactly at the limit is fine.
    Client c(server.port());
    EXPECT_EQ(c.post("/x", std::string(1024, 'c')).status, 200);
  }
  EXPECT_EQ(calls.load(), 1);
}

TEST(HttpServer, HugeUploadGets413WhileStillSending) {
  auto o = test_options();
  o.max_body_bytes = 1024;
  HttpServer server(o, echo);
  ASSERT_TRUE(server.start().ok());
  Client c(server.port());
  // The client keeps sending its 8 MB body; the early 413 must still reach it.
  std::thread writer([&c] {
    std::string head = "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 8388608\r\n\r\n";
    std::string body(8u << 20, 'z');
    boost::system::error_code ec;
    asio::write(c.socket(), asio::buffer(head), ec);
    if (!ec) asio::write(c.socket(), asio::buffer(body), ec);  // may fail once the server closes
  });
  auto r = c.read();
  EXPECT_EQ(r.status, 413);
  expect_outcome(r, "too-long");
  writer.join();
}

TEST(HttpServer, ExpectContinue) {
  auto o = test_options();
  o.max_body_bytes = 1024;
  HttpServer server(o, echo);
  ASSERT_TRUE(server.start().ok());
  {
    Client c(server.port());
    c.send("POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    auto interim = c.read();
    EXPECT_EQ(interim.status, 100);
    c.send("hello");
    auto r = c.read();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "POST|/e|||hello");
  }
  {
    // Too large: the final status comes at once, no 100.
    Client c(server.port());
    c.send("POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 4096\r\nExpect: 100-continue\r\n\r\n");
    auto r = c.read();
    EXPECT_EQ(r.status, 413);
    expect_outcome(r, "too-long");
  }
}

TEST(HttpServer, HugeHeadersAre431) {
  auto o = test_options();
  o.max_header_bytes = 2048;
  HttpServer server(o, echo);
  ASSERT_TRUE(server.start().ok());
  Client c(server.port());
  c.send("GET /x HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(8000, 'h') + "\r\n\r\n");
  auto r = c.read();
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(r.header("Connection"), "close");
  expect_outcome(r, "too-long");
  EXPECT_TRUE(c.closed_by_peer());
  // Headers just under the limit still pass.
  Client ok(server.port());
  EXPECT_EQ(ok.get("/x", "X-Big: " + std::string(1500, 'h') + "\r\n").status, 200);
}

TEST(HttpServer, GarbageIs400AndClose) {
  HttpServer server(test_options(), echo);
  ASSERT_TRUE(server.start().ok());
  for (std::string junk :
       {std::string("\x01\x02\x03 garbage\r\n\r\n"), std::string("GET /x HTTX/1.1\r\n\r\n"),
        std::string("GET /x HTTP/1.1\r\nContent-Length: nope\r\n\r\n")}) {
    Client c(server.port());
    c.send(junk);
    auto r = c.read();
    EXPECT_EQ(r.status, 400) << junk;
    EXPECT_EQ(r.header("Connection"), "close");
    expect_outcome(r, "structure");
    EXPECT_TRUE(c.closed_by_peer());
  }
  Client c(server.port());
  EXPECT_EQ(c.get("/still-alive").status, 200);
}

TEST(HttpServer, HandlerExceptionIs500WithoutDetails) {
  HttpServer server(test_options(), echo);
  ASSERT_TRUE(server.start().ok());
  Client c(server.port());
  for (auto* method : {"GET", "POST"}) {
    c.send(std::string(method) + " /throw HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
    auto r = c.read();
    EXPECT_EQ(r.status, 500);
    expect_outcome(r, "exception");
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << r.body;
    // The connection and the server survive.
    EXPECT_EQ(c.get("/after").status, 200);
  }
}

TEST(HttpServer, HeadHasNoBody) {
  HttpServer server(test_options(), echo);
  ASSERT_TRUE(server.start().ok());
  Client c(server.port());
  auto g = c.get("/h");
  c.send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n");
  auto h = c.read(/*head=*/true);
  EXPECT_EQ(h.status, 200);
  EXPECT_TRUE(h.body.empty());
  EXPECT_EQ(h.header("Content-Type"), "text/plain");
  // The handler saw HEAD; the length announced is that of its body.
  EXPECT_EQ(h.header("Content-Length"), std::to_string(std::string("HEAD|/h|||").size()));
  EXPECT_EQ(g.header("Content-Length"), std::to_string(g.body.size()));
  // No stray body bytes: the next response parses cleanly.
  EXPECT_EQ(c.get("/next").body, "GET|/next|||");
}

TEST(HttpServer, NoContentLengthOn204And304) {
  HttpServer server(test_options(), [](const HttpRequest& req, HttpResponse& res) {
    res.status = req.path == "/204" ? 204 : 304;
    res.set_header("ETag", "W/\"1\"");
  });
  ASSERT_TRUE(server.start().ok());
  Client c(server.port());
  auto r = c.get("/204");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.header("Content-Length"), "");
  r = c.get("/304");
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.header("ETag"), "W/\"1\"");
  EXPECT_EQ(c.get("/204").status, 204);
}

TEST(HttpServer, HeaderInjectionIsNeutralised) {
  HttpServer server(test_options(), [](const HttpRequest&, HttpResponse& res) {
    res.set_header("Location", "/a\r\nSet-Cookie: evil=1");
    res.set_header("Content-Length", "999");  // framing is the server's
    res.body = "ok";
  });
  ASSERT_TRUE(server.start().ok());
  Client c(server.port());
  auto r = c.get("/");
  EXPECT_EQ(r.header("Set-Cookie"), "");
  EXPECT_EQ(r.header("Location"), "/a  Set-Cookie: evil=1");
  EXPECT_EQ(r.body, "ok");
}

TEST(HttpServer, SlowWriteOnWorkerDoesNotBlockGets) {
  auto o = test_options();
  o.io_threads = 1;  // the GETs share the only I/O thread with the POST's socket
  HttpServer server(o, [](const HttpRequest& req, HttpResponse& res) {
    if (req.method == "POST") std::this_thread::sleep_for(800ms);
    res.body = req.method;
  });
  ASSERT_TRUE(server.start().ok());
  Client slow(server.port());
  slow.send("POST /w HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx");
  std::this_thread::sleep_for(50ms);  // the POST is now on a worker
  auto t0 = std::chrono::steady_clock::now();
  Client fast(server.port());
  for (int i = 0; i < 50; ++i) ASSERT_EQ(fast.get("/r").body, "GET");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  EXPECT_EQ(slow.read().body, "POST");
}

TEST(HttpServer, ConcurrentClients) {
  HttpServer server(test_options(), echo);
  ASSERT_TRUE(server.start().ok());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Client c(server.port());
      for (int i = 0; i < 200; ++i) {
        auto path = "/t" + std::to_string(t) + "/" + std::to_string(i);
        auto r = (i % 2) ? c.post(path, "b") : c.get(path);
        if (r.status == 200 && r.body.find(path) != std::string::npos) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8 * 200);
}

TEST(HttpServer, Http10) {
  HttpServer server(test_options(), echo);
  ASSERT_TRUE(server.start().ok());
  {
    Client c(server.port());
    c.send("GET /old HTTP/1.0\r\n\r\n");
    auto r = c.read();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    Client c(server.port());
    c.send("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    auto r = c.read();
    EXPECT_EQ(r.header("Connection"), "keep-alive");
    c.send("GET /again HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    EXPECT_EQ(c.read().body, "GET|/again|||");
  }
  {
    Client c(server.port());
    auto r = c.get("/bye", "Connection: close\r\n");
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_TRUE(c.closed_by_peer());
  }
}

TEST(HttpServer, IdleAndReadTimeouts) {
  auto o = test_options();
  o.idle_timeout = 1s;
  o.read_timeout = 1s;
  HttpServer server(o, echo);
  ASSERT_TRUE(server.start().ok());
  auto t0 = std::chrono::steady_clock::now();
  Client idle(server.port());
  EXPECT_EQ(idle.get("/x").status, 200);
  EXPECT_TRUE(idle.closed_by_peer());  // blocks until the idle timeout fires
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);

  // Slowloris: a header that never completes.
  t0 = std::chrono::steady_clock::now();
  Client loris(server.port());
  loris.send("GET /x HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n");
  std::this_thread::sleep_for(300ms);
  loris.send("X-B: 2\r\n");
  EXPECT_TRUE(loris.closed_by_peer());
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 3s);
}

TEST(HttpServer, GracefulStopFinishesInFlightRequests) {
  for (auto* method : {"GET", "POST"}) {
    HttpServer server(test_options(), echo);
    ASSERT_TRUE(server.start().ok());
    auto port = server.port();
    Client busy(port);
    Client idle(port);
    EXPECT_EQ(idle.get("/warm").status, 200);
    busy.send(std::string(method) + " /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nbody");
    // A well-behaved client: reads its response and closes when told to.
    auto reader = std::async(std::launch::async, [&busy] {
      auto r = busy.read();
      bool closed = busy.closed_by_peer();
      busy.socket().close();
      return std::make_pair(r, closed);
    });
    std::this_thread::sleep_for(100ms);  // the handler is sleeping now
    auto t0 = std::chrono::steady_clock::now();
    server.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);

    auto [r, closed] = reader.get();
    EXPECT_EQ(r.status, 200) << method;
    EXPECT_EQ(r.body, std::string(method) + "|/slow|||body");
    EXPECT_EQ(r.header("Connection"), "close");
    EXPECT_TRUE(closed);
    EXPECT_TRUE(idle.closed_by_peer());

    asio::io_context ctx;
    tcp::socket s(ctx);
    boost::system::error_code ec;
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    EXPECT_EQ(ec, asio::error::connection_refused);
  }
}

TEST(HttpServer, StopUnderLoadLosesNoCompletedResponse) {
  HttpServer server(test_options(), echo);
  ASSERT_TRUE(server.start().ok());
  std::atomic<bool> go{true};
  std::atomic<int> completed{0}, malformed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      while (go.load()) {
        try {
          Client c(server.port());
          for (int i = 0; i < 50; ++i) {
            auto r = (t % 2) ? c.post("/p", "x") : c.get("/g");
            if (r.status != 200) ++malformed;
            ++completed;
            if (r.header("Connection") == "close") break;
          }
        } catch (const std::exception&) {
          // refused or closed by the stop: expected
          if (!go.load()) return;
        }
      }
    });
  }
  std::this_thread::sleep_for(200ms);
  server.stop();
  go = false;
  for (auto& t : threads) t.join();
  EXPECT_GT(completed.load(), 0);
  EXPECT_EQ(malformed.load(), 0);
}

TEST(HttpServer, StopIsIdempotent) {
  HttpServer server(test_options(), echo);
  server.stop();  // before start: no-op
  ASSERT_TRUE(server.start().ok());
  EXPECT_FALSE(server.start().ok());  // once only
  server.stop();
  server.stop();
}

TEST(HttpServer, TakenPortFailsCleanly) {
  HttpServer first(test_options(), echo);
  ASSERT_TRUE(first.start().ok());
  auto o = test_options();
  o.port = first.port();
  HttpServer second(o, echo);
  auto s = second.start();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().status(), 500);
  EXPECT_NE(s.error().message().find("cannot listen on 127.0.0.1:" + std::to_string(o.port)),
            std::string::npos)
      << s.error().message();
  // The first server is unaffected; the failed one destructs cleanly.
  Client c(first.port());
  EXPECT_EQ(c.get("/x").status, 200);
}

TEST(HttpServer, HostForms) {
  auto o = test_options();
  o.host = "not a host";
  HttpServer bad(o, echo);
  EXPECT_FALSE(bad.start().ok());

  o.host = "localhost";
  HttpServer local(o, echo);
  ASSERT_TRUE(local.start().ok());
  Client c(local.port());
  EXPECT_EQ(c.get("/x").status, 200);

  o.host = "::1";
  HttpServer v6(o, echo);
  if (v6.start().ok()) {  // IPv6 loopback may be disabled in containers
    asio::io_context ctx;
    tcp::socket s(ctx);
    s.connect(tcp::endpoint(asio::ip::make_address("::1"), v6.port()));
    asio::write(s, asio::buffer(std::string_view("GET /6 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")));
    std::string all;
    boost::system::error_code ec;
    asio::read(s, asio::dynamic_buffer(all), ec);
    EXPECT_TRUE(all.starts_with("HTTP/1.1 200 OK\r\n")) << all;
  }
}

}  // namespace
}  // namespace parcours::api
