#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/server_setup.h"
#include "ingest/bulk_loader.h"
#include "territory/generator.h"

namespace parcours::cli {

namespace {

// A random token for the demo when PARCOURS_ADMIN_TOKEN is not set.
std::string random_token() {
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  unsigned char bytes[24];
  urandom.read(reinterpret_cast<char*>(bytes), sizeof bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace

int run_demo(const DemoArgs& args) {
  block_stop_signals();
  spdlog::set_level(spdlog::level::from_str(args.serve.log_level));
  auto opened = open_store(args.serve.data);
  if (!opened) {
    std::fprintf(stderr, "parcours: cannot open the store in %s: %s\n", args.serve.data.c_str(),
                 opened.error().message().c_str());
    return 1;
  }
  if (args.regenerate) {
    // Start over: drop the demo database files (only ours, never the folder).
    (*opened)->close();
    opened = Result<std::unique_ptr<store::Store>>(Error());
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::error_code ec;
      std::filesystem::remove(std::filesystem::path(args.serve.data) / (std::string("parcours.db") + suffix),
                              ec);
    }
    opened = open_store(args.serve.data);
    if (!opened) {
      std::fprintf(stderr, "parcours: cannot reopen the store: %s\n", opened.error().message().c_str());
      return 1;
    }
  }
  store::Store& store = **opened;
  // A territory is there when patients are (a fresh store holds only the
  // shipped content: questionnaires, templates, code systems).
  auto counts = store.reader()->count_by_type();
  std::int64_t existing = 0, patients = 0;
  if (counts)
    for (const auto& [type, n] : *counts) {
      existing += n;
      if (type == "Patient") patients = n;
    }

  if (patients > 0) {
    std::printf(
        "using the existing territory in %s (%s patients, %s resources; --regenerate to start over)\n",
        args.serve.data.c_str(), with_thousands(patients).c_str(), with_thousands(existing).c_str());
  } else {
    std::printf("generating a territory of %s patients (seed %llu) into %s\n",
                with_thousands(args.patients).c_str(), static_cast<unsigned long long>(args.seed),
                args.serve.data.c_str());
    auto started = std::chrono::steady_clock::now();
    ingest::BulkLoader loader(store, {});
    ProgressLine line("demo");
    std::int64_t generated = 0;
    Status failure;
    auto stats = territory::generate_territory(
        territory::TerritoryOptions{args.patients, args.seed}, [&](Json&& resource) {
          if (!failure.ok()) return;
          ++generated;
          if (auto s = loader.add(std::move(resource),
                                  ingest::Source{"generator", static_cast<std::size_t>(generated)});
              !s)
            failure = s;
          if (generated % 1000 == 0) {
            double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            line.update(loader.counts().loaded, secs, -1, loader.counts().failed);
          }
        });
    if (failure.ok()) failure = loader.finish();
    line.done();
    if (!failure.ok()) {
      std::fprintf(stderr, "parcours demo: %s\n", failure.error().message().c_str());
      return 1;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    print_load_summary(loader.counts(), stats.resources, secs, loader.errors());
    if (loader.counts().failed) {
      std::fprintf(stderr, "parcours demo: the generator produced invalid resources (a bug)\n");
      return 1;
    }
  }
  if (args.no_serve) {
    store.close();
    return 0;
  }
  const char* env = std::getenv("PARCOURS_ADMIN_TOKEN");
  std::string token = env && *env ? env : random_token();
  return serve_store(store, args.serve, token, true);
}

}  // namespace parcours::cli
