#include "ingest/importer.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "fhir/reference.h"

namespace parcours::ingest {
namespace fs = std::filesystem;
namespace {

// Types that others commonly reference, loaded first so that fewer resources
// wait for their conditional-reference targets (correctness does not depend
// on it: deferred resources are retried at the end).
int load_rank(const fs::path& p) {
  static const char* kFirst[] = {"Organization",  "Location", "Practitioner", "PractitionerRole", "Patient",
                                 "RelatedPerson", "Device",   "Medication",   "Encounter"};
  std::string name = p.filename().string();
  for (int i = 0; i < static_cast<int>(std::size(kFirst)); ++i) {
    std::string t = kFirst[i];
    if (name.starts_with(t) && name.size() > t.size() &&
        (name[t.size()] == '.' || name[t.size()] == '_' || name[t.size()] == '-'))
      return i;
  }
  return static_cast<int>(std::size(kFirst));
}

Result<std::vector<fs::path>> expand(const std::vector<std::string>& paths) {
  std::vector<fs::path> files;
  for (const auto& p : paths) {
    std::error_code ec;
    auto st = fs::status(p, ec);
    if (ec || !fs::exists(st)) return Error(400, "not-found", "No such file or folder: " + p);
    if (fs::is_directory(st)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (!it->is_regular_file()) continue;
        auto ext = it->path().extension().string();
        if (ext == ".ndjson" || ext == ".jsonl") found.push_back(it->path());
      }
      if (ec) return Error(400, "exception", "Cannot read folder " + p + ": " + ec.message());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.emplace_back(p);
    }
  }
  std::stable_sort(files.begin(), files.end(),
                   [](const auto& a, const auto& b) { return load_rank(a) < load_rank(b); });
  return files;
}

// A chunk of lines parsed and checked by a worker.
struct Chunk {
  std::string file;
  std::size_t first_line = 0;
  std::vector<std::string> lines;
  std::int64_t bytes = 0;
};

struct Parsed {
  std::vector<std::pair<Json, Source>> good;
  std::vector<std::optional<Prepared>> prepared;  // parallel to `good`
  std::vector<LoadError> bad;
  std::int64_t lines = 0;
  std::int64_t bytes = 0;
};

constexpr std::int64_t kBulkLoadBelow = 10000;  // live resources
// Resources per commit in a bulk load. Fewer, larger commits write the
// pages every batch touches (the ends of the tables, the current and
// identifier indexes) to the WAL less often: the 10 000-patient territory
// (310 261 resources) loads in 27 s instead of 29.3 s with 2 000, for
// 70 MB more memory (docs/performance.md).
constexpr std::size_t kBulkBatch = 10000;

Parsed parse_chunk(Chunk c, store::Store* store) {
  Parsed out;
  out.bytes = c.bytes;
  for (std::size_t i = 0; i < c.lines.size(); ++i) {
    std::string_view line = c.lines[i];
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    if (line.empty()) continue;  // blank lines are tolerated
    ++out.lines;
    Source src{c.file, c.first_line + i};
    auto json = parse_json(line);
    if (!json) {
      out.bad.push_back({src, json.error().message()});
      continue;
    }
    if (auto why = rejection_reason(*json)) {
      out.bad.push_back({src, std::move(*why)});
      continue;
    }
    out.prepared.push_back(prepare(*store, *json));
    out.good.emplace_back(std::move(*json), std::move(src));
  }
  return out;
}

// Parse threads, fed chunks in file order, that run at the lowest priority.
// The store's writer thread is the import's bottleneck: parsing ahead of it
// pays only when it takes the CPU the writer leaves, not the writer's own
// (docs/performance.md, "Parsing a batch ahead, and the first load through
// a rollback journal").
class ParsePool {
 public:
  ParsePool(unsigned threads, store::Store& store) : store_(store) {
    for (unsigned i = 0; i < threads; ++i)
      threads_.emplace_back([this] {
        // Linux applies a nice value to the one thread named (setpriority(2),
        // "Bugs"); raising one's own needs no privilege, and a failure only
        // costs speed.
        (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
        run();
      });
  }
  ParsePool(const ParsePool&) = delete;
  ParsePool& operator=(const ParsePool&) = delete;
  ~ParsePool() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  std::future<Parsed> submit(Chunk chunk) {
    std::promise<Parsed> promise;
    auto parsed = promise.get_future();
    {
      std::lock_guard lock(mu_);
      work_.emplace_back(std::move(chunk), std::move(promise));
    }
    cv_.notify_one();
    return parsed;
  }

 private:
  void run() {
    for (;;) {
      std::pair<Chunk, std::promise<Parsed>> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !work_.empty(); });
        if (work_.empty()) return;  // stopping, and every chunk parsed
        job = std::move(work_.front());
        work_.pop_front();
      }
      try {
        job.second.set_value(parse_chunk(std::move(job.first), &store_));
      } catch (...) {
        job.second.set_exception(std::current_exception());  // rethrown by get()
      }
    }
  }

  store::Store& store_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<Chunk, std::promise<Parsed>>> work_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

Result<ImportReport> import_ndjson(store::Store& store, const std::vector<std::string>& paths,
                                   const ImportOptions& options) {
  auto started = std::chrono::steady_clock::now();
  auto files = expand(paths);
  if (!files) return std::move(files).error();
  ImportReport report;
  report.files = static_cast<std::int64_t>(files->size());
  std::int64_t total_bytes = 0;
  for (const auto& f : *files) {
    std::error_code ec;
    total_bytes += static_cast<std::int64_t>(fs::file_size(f, ec));
  }

  BulkLoader::Options lo = options.loader;
  // A first load into an (almost) empty store: the search value indexes are
  // built once at the end rather than updated row by row (Store::begin_bulk_load).
  bool bulk = false;
  {
    auto reader = store.reader();
    auto counts = reader->count_by_type();
    if (!counts) return std::move(counts).error();
    std::int64_t live = 0;
    for (const auto& [type, n] : *counts) live += n;
    bulk = live < kBulkLoadBelow;
  }
  if (lo.batch_size == 0) lo.batch_size = bulk ? kBulkBatch : BulkLoader::Options{}.batch_size;
  if (bulk)
    if (auto s = store.begin_bulk_load(); !s) return std::move(s).error();
  struct EndBulk {
    store::Store& store;
    bool active;
    Status end() {
      if (!active) return Status::Ok();
      active = false;
      return store.end_bulk_load();
    }
    ~EndBulk() { (void)end(); }
  } end_bulk{store, bulk};

  BulkLoader loader(store, lo);
  std::int64_t bytes_done = 0;
  std::vector<LoadError> parse_errors;
  std::int64_t parse_failed = 0;
  auto last_progress = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  auto progress = [&](bool force) {
    if (!options.on_progress) return;
    auto now = std::chrono::steady_clock::now();
    if (!force && now - last_progress < std::chrono::milliseconds(200)) return;
    last_progress = now;
    ImportProgress p{bytes_done, total_bytes, loader.counts(), elapsed()};
    p.counts.failed += parse_failed;
    options.on_progress(p);
  };

  // Workers parse and validate chunks while this thread feeds the loader,
  // whose commits run on the store's writer thread: the three overlap. Up to
  // a batch and a little more is parsed ahead, so that while the writer
  // commits one batch the next one gets ready.
  constexpr std::size_t kChunkLines = 512;
  const unsigned workers = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t ahead = lo.batch_size / kChunkLines + 2 * workers;
  std::deque<std::future<Parsed>> inflight;
  ParsePool pool(workers, store);  // after `inflight`: joined before the futures go
  Status failure;
  auto drain_one = [&]() -> bool {
    Parsed p = inflight.front().get();
    inflight.pop_front();
    report.lines += p.lines;
    bytes_done += p.bytes;
    for (auto& e : p.bad) {
      ++parse_failed;
      if (parse_errors.size() < lo.max_errors_kept) parse_errors.push_back(std::move(e));
    }
    for (std::size_t k = 0; k < p.good.size(); ++k) {
      auto& [json, src] = p.good[k];
      if (auto s = loader.add(std::move(json), std::move(src), true, std::move(p.prepared[k])); !s) {
        failure = s;
        return false;
      }
    }
    progress(false);
    return true;
  };

  for (const auto& f : *files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) return Error(400, "exception", "Cannot open " + f.string());
    Chunk chunk{f.filename().string(), 1, {}, 0};
    std::size_t line_no = 0;
    std::string line;
    auto submit = [&] {
      if (chunk.lines.empty()) return true;
      inflight.push_back(pool.submit(std::move(chunk)));
      chunk = Chunk{f.filename().string(), line_no + 1, {}, 0};
      while (inflight.size() > ahead)
        if (!drain_one()) return false;
      return true;
    };
    while (std::getline(in, line)) {
      ++line_no;
      chunk.bytes += static_cast<std::int64_t>(line.size() + 1);
      chunk.lines.push_back(std::move(line));
      if (chunk.lines.size() >= kChunkLines && !submit()) break;
    }
    if (!failure.ok()) break;
    if (in.bad()) return Error(500, "exception", "Read error in " + f.string());
    if (!submit()) break;
  }
  while (failure.ok() && !inflight.empty()) drain_one();
  for (auto& f : inflight) f.wait();
  if (!failure.ok()) return std::move(failure).error();
  if (auto s = loader.finish(); !s) return std::move(s).error();
  const double loaded_at = elapsed();
  if (bulk && options.on_indexing) options.on_indexing();
  if (auto s = end_bulk.end(); !s) return std::move(s).error();
  if (bulk) report.index_seconds = elapsed() - loaded_at;

  report.counts = loader.counts();
  report.counts.failed += parse_failed;
  report.errors = std::move(parse_errors);
  for (const auto& e : loader.errors())
    if (report.errors.size() < lo.max_errors_kept) report.errors.push_back(e);
  std::sort(report.errors.begin(), report.errors.end(), [](const LoadError& a, const LoadError& b) {
    return std::tie(a.source.file, a.source.line) < std::tie(b.source.file, b.source.line);
  });
  report.seconds = elapsed();
  bytes_done = total_bytes;
  progress(true);
  return report;
}

}  // namespace parcours::ingest
