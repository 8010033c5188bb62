#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "api/auth_api.h"
#include "api/fhir_api.h"
#include "api/http_server.h"
#include "cli/commands.h"
#include "cli/server_setup.h"
#include "coordination/content.h"
#include "coordination/workflow/scheduler.h"
#include "search/indexer.h"
#include "security/services.h"

namespace parcours::cli {

Result<std::shared_ptr<const security::Policy>> configured_policy() {
  static const Result<std::shared_ptr<const security::Policy>> policy = security::Policy::load_configured();
  return policy;
}

Result<std::unique_ptr<store::Store>> open_store(const std::string& dir, bool reindex_if_stale) {
  auto policy = configured_policy();
  if (!policy) return policy.error();
  store::SqliteOptions opt;
  opt.directory = dir;
  // Each version is stored with its access-policy label and facts, in the
  // same transaction (security/facts.cc).
  opt.indexer = [p = *policy](std::string_view type, const Json& resource) {
    store::IndexRows rows = search::index_resource(type, resource);
    rows.security = p->derive(type, resource, rows.patients);
    return rows;
  };
  opt.text_indexer = search::index_text;
  auto opened = store::open_sqlite(opt);
  if (!opened) return opened;
  // Search index: register the row names of every search parameter; rebuild
  // the index when it was built from other definitions (docs/decisions/search.md).
  std::vector<std::string> problems;
  auto stale = search::prepare_store(**opened, &problems);
  if (!stale) return std::move(stale).error();
  // The shipped questionnaires, pathway templates, code systems and search
  // parameters; a new shipped SearchParameter joins the registry at once
  // (and makes the index stale).
  auto installed = coordination::install_shipped_content(**opened);
  if (!installed) return std::move(installed).error();
  if (*installed) {
    spdlog::info("content: {} shipped resources installed or updated", *installed);
    problems.clear();
    auto again = search::prepare_store(**opened, &problems);
    if (!again) return std::move(again).error();
    *stale = *stale || *again;
  }
  for (const auto& p : problems) spdlog::warn("search parameter not used: {}", p);
  if (*stale && reindex_if_stale) {
    spdlog::info("search index: built from other search parameters, reindexing");
    auto n = (*opened)->reindex(nullptr);
    if (!n) return std::move(n).error();
    spdlog::info("search index: {} resources reindexed", *n);
  }
  // Resources written before this policy's labelling rules get their labels.
  auto sec = store::open_sqlite_security(dir);
  if (!sec) return std::move(sec).error();
  auto n = security::ensure_labels(**sec, **policy);
  if (!n) return std::move(n).error();
  if (*n) spdlog::info("access policy: {} resources labelled", *n);
  return opened;
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
  auto policy = configured_policy();
  if (!policy) {
    std::fprintf(stderr, "parcours: %s\n", policy.error().message().c_str());
    return 2;
  }
  security::SecurityOptions so;
  const char* prod = std::getenv("PARCOURS_PRODUCTION");
  so.production = args.production || (prod && std::string_view(prod) == "1");
  so.admin_token = admin_token;
  auto sec = security::Services::open(store, args.data, *policy, so);
  if (!sec) {
    std::fprintf(stderr, "parcours: %s\n", sec.error().message().c_str());
    return 2;
  }
  api::FhirApiOptions fo;
  fo.admin_token = admin_token;
  fo.base_url = args.base_url;
  fo.security = sec->get();
  api::FhirApi fhir(store, fo);
  api::AuthApi auth(**sec, api::AuthApiOptions{args.base_url});
  api::HttpServerOptions ho;
  ho.host = listen->first;
  ho.port = listen->second;
  ho.io_threads = args.io_threads;
  ho.worker_threads = args.worker_threads;
  ho.max_body_bytes = args.max_body_mb << 20;
  ho.tls_cert_file = args.tls_cert;
  ho.tls_key_file = args.tls_key;
  api::HttpServer server(ho, [&fhir, &auth](const api::HttpRequest& rq, api::HttpResponse& rs) {
    if (api::AuthApi::handles(rq.path))
      auth.handle(rq, rs);
    else
      fhir.handle(rq, rs);
  });
  if (auto s = server.start(); !s) {
    std::fprintf(stderr, "parcours: %s\n", s.error().message().c_str());
    return 1;
  }
  std::string host = listen->first.find(':') != std::string::npos ? "[" + listen->first + "]" : listen->first;
  const bool https = !args.tls_cert.empty();
  std::string url = (https ? "https://" : "http://") + host + ":" + std::to_string(server.port()) + "/fhir";
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
    spdlog::info("PARCOURS_ADMIN_TOKEN is not set: only account tokens (parcours user, /auth) authenticate");
  else if (!so.production)
    spdlog::warn("PARCOURS_ADMIN_TOKEN grants full access; production mode (--production) refuses it");
  if (security::Clock::shifted())
    spdlog::warn("TEST HOOK: the security clock is shifted (PARCOURS_TEST_CLOCK_FILE)");
  // Late tasks and PPS reviews, found without anyone asking.
  std::unique_ptr<coordination::Scheduler> follow_up;
  if (args.follow_up_seconds > 0)
    follow_up = std::make_unique<coordination::Scheduler>(store, args.follow_up_seconds);

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("signal {} received: finishing in-flight requests", sig);
  server.stop();  // in-flight requests finish and are answered
  if (follow_up) follow_up->stop();
  (*sec)->close();  // the reads' audit records are committed
  store.close();    // every acknowledged write is already durable; this checkpoints the WAL
  spdlog::info("stopped cleanly");
  return 0;
}

int run_serve(const ServeArgs& args) {
  block_stop_signals();
  if (!args.policy.empty()) ::setenv("PARCOURS_POLICY", args.policy.c_str(), 1);
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
