#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "api/fhir_api.h"
#include "api/http_server.h"
#include "cli/commands.h"
#include "cli/server_setup.h"
#include "search/indexer.h"

namespace parcours::cli {

Result<std::unique_ptr<store::Store>> open_store(const std::string& dir) {
  store::SqliteOptions opt;
  opt.directory = dir;
  opt.indexer = search::index_resource;
  return store::open_sqlite(opt);
}

Result<std::pair<std::string, std::uint16_t>> parse_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size())
    return bad_request("--listen expects HOST:PORT, e.g. 127.0.0.1:8080");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  char* end = nullptr;
  long port = std::strtol(listen.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port < 0 || port > 65535)
    return bad_request("--listen: invalid port in '" + listen + "'");
  return std::pair{host, static_cast<std::uint16_t>(port)};
}

void block_stop_signals() {
  // Blocked before any thread starts, so only sigwait() below receives them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int serve_store(store::Store& store, const ServeArgs& args, const std::string& admin_token, bool announce) {
  auto listen = parse_listen(args.listen);
  if (!listen) {
    std::fprintf(stderr, "parcours: %s\n", listen.error().message().c_str());
    return 2;
  }
  api::FhirApiOptions fo;
  fo.admin_token = admin_token;
  fo.base_url = args.base_url;
  api::FhirApi fhir(store, fo);
  api::HttpServerOptions ho;
  ho.host = listen->first;
  ho.port = listen->second;
  ho.io_threads = args.io_threads;
  ho.worker_threads = args.worker_threads;
  ho.max_body_bytes = args.max_body_mb << 20;
  api::HttpServer server(ho,
                         [&fhir](const api::HttpRequest& rq, api::HttpResponse& rs) { fhir.handle(rq, rs); });
  if (auto s = server.start(); !s) {
    std::fprintf(stderr, "parcours: %s\n", s.error().message().c_str());
    return 1;
  }
  std::string host = listen->first.find(':') != std::string::npos ? "[" + listen->first + "]" : listen->first;
  std::string url = "http://" + host + ":" + std::to_string(server.port()) + "/fhir";
  // One machine-readable line that scripts and tests wait for.
  std::printf("listening on %s\n", url.c_str());
  if (announce) {
    std::printf("\n  Parcours FHIR server: %s\n  Admin token:          %s\n", url.c_str(),
                admin_token.c_str());
    std::printf("  Try: curl -H 'Authorization: Bearer %s' %s/Patient/<id>\n  Stop with Ctrl-C.\n\n",
                admin_token.c_str(), url.c_str());
  }
  std::fflush(stdout);
  if (admin_token.empty())
    spdlog::warn("PARCOURS_ADMIN_TOKEN is not set: every request except /fhir/metadata will get 401");

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("signal {} received: finishing in-flight requests", sig);
  server.stop();  // in-flight requests finish and are answered
  store.close();  // every acknowledged write is already durable; this checkpoints the WAL
  spdlog::info("stopped cleanly");
  return 0;
}

int run_serve(const ServeArgs& args) {
  block_stop_signals();
  spdlog::set_level(spdlog::level::from_str(args.log_level));
  auto store = open_store(args.data);
  if (!store) {
    std::fprintf(stderr, "parcours: cannot open the store in %s: %s\n", args.data.c_str(),
                 store.error().message().c_str());
    return 1;
  }
  const char* token = std::getenv("PARCOURS_ADMIN_TOKEN");
  return serve_store(**store, args, token ? token : "", false);
}

}  // namespace parcours::cli
