// `parcours generate`: writes the demo territory as FHIR Bulk Data NDJSON,
// one file per resource type (Patient.ndjson, Observation.ndjson, ...), one
// compact resource per line. The output loads back with `parcours import DIR`
// and feeds other systems with realistic, deterministic French test data.
//
// Streaming: each resource is serialised as the generator emits it and
// appended to its type's file through a fixed buffer, so memory does not grow
// with the number of patients.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "cli/commands.h"
#include "cli/progress.h"
#include "territory/generator.h"

namespace parcours::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kFileBuffer = 1 << 20;  // per open file

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};

struct TypeFile {
  fs::path path;
  std::unique_ptr<std::FILE, FileCloser> file;
  std::vector<char> buffer;
  std::int64_t resources = 0;
  std::int64_t bytes = 0;
};

// *.ndjson files directly inside `dir` (what we would overwrite or mix with).
std::vector<fs::path> existing_ndjson(const fs::path& dir) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->is_regular_file() && it->path().extension() == ".ndjson") found.push_back(it->path());
  return found;
}

std::string megabytes(std::int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

}  // namespace

int run_generate(const GenerateArgs& args) {
  const fs::path dir(args.out);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    std::fprintf(stderr, "parcours generate: cannot create the folder %s: %s\n", args.out.c_str(),
                 ec ? ec.message().c_str() : "not a folder");
    return 1;
  }
  // Never mix two territories in one folder: a stale Observation.ndjson from
  // an earlier run would be imported with the new Patients.
  auto stale = existing_ndjson(dir);
  if (!stale.empty()) {
    if (!args.force) {
      std::fprintf(stderr,
                   "parcours generate: %s already holds %zu .ndjson file(s) (e.g. %s); "
                   "use --force to replace them\n",
                   args.out.c_str(), stale.size(), stale.front().filename().c_str());
      return 2;
    }
    for (const auto& p : stale) {
      if (!fs::remove(p, ec) || ec) {
        std::fprintf(stderr, "parcours generate: cannot remove %s: %s\n", p.c_str(), ec.message().c_str());
        return 1;
      }
    }
  }

  std::map<std::string, TypeFile, std::less<>> files;
  std::string line;
  std::string failure;
  std::int64_t written = 0;
  auto started = std::chrono::steady_clock::now();
  ProgressLine progress("generate");

  auto stats = territory::generate_territory(
      territory::TerritoryOptions{args.patients, args.seed}, [&](Json&& resource) {
        if (!failure.empty()) return;
        std::string_view type = resource.get_string("resourceType");
        auto it = files.find(type);
        if (it == files.end()) {
          TypeFile tf;
          tf.path = dir / (std::string(type) + ".ndjson");
          tf.file.reset(std::fopen(tf.path.c_str(), "wb"));
          if (!tf.file) {
            failure = "cannot create " + tf.path.string() + ": " + std::generic_category().message(errno);
            return;
          }
          tf.buffer.resize(kFileBuffer);
          std::setvbuf(tf.file.get(), tf.buffer.data(), _IOFBF, tf.buffer.size());
          it = files.emplace(std::string(type), std::move(tf)).first;
        }
        TypeFile& tf = it->second;
        line.clear();
        resource.dump_to(line);
        line.push_back('\n');
        if (std::fwrite(line.data(), 1, line.size(), tf.file.get()) != line.size()) {
          failure = "cannot write " + tf.path.string() + ": " + std::generic_category().message(errno);
          return;
        }
        ++tf.resources;
        tf.bytes += static_cast<std::int64_t>(line.size());
        if (++written % 4096 == 0)
          progress.update(written,
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
                          -1, 0);
      });
  for (auto& [type, tf] : files) {
    if (!tf.file) continue;
    // fclose flushes the buffer: its result is the last write's.
    if (std::fclose(tf.file.release()) != 0 && failure.empty())
      failure = "cannot write " + tf.path.string() + ": " + std::generic_category().message(errno);
  }
  progress.done();
  if (!failure.empty()) {
    std::fprintf(stderr, "parcours generate: %s\n", failure.c_str());
    return 1;
  }

  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::int64_t total_bytes = 0;
  for (const auto& [type, tf] : files) {
    std::printf("  %-26s %12s resources  %10s\n", (type + ".ndjson").c_str(),
                with_thousands(tf.resources).c_str(), megabytes(tf.bytes).c_str());
    total_bytes += tf.bytes;
  }
  std::printf("wrote %s resources (%s patients, seed %llu) in %zu files, %s, into %s in %.1f s\n",
              with_thousands(stats.resources).c_str(), with_thousands(args.patients).c_str(),
              static_cast<unsigned long long>(args.seed), files.size(), megabytes(total_bytes).c_str(),
              args.out.c_str(), secs);
  return 0;
}

}  // namespace parcours::cli
