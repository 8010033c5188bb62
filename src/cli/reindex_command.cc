// `parcours reindex --data DIR`: rebuilds every search-index row from the
// current version of each resource (docs/decisions/search.md). Needed after
// a change of the search definitions (a new build; the server also does it
// at start when it notices) or to make custom SearchParameter resources
// stored on the server searchable.
#include <chrono>
#include <cstdio>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/server_setup.h"

namespace parcours::cli {

int run_reindex(const ReindexArgs& args) {
  auto store = open_store(args.data, /*reindex_if_stale=*/false);
  if (!store) {
    std::fprintf(stderr, "parcours: cannot open the store in %s: %s\n", args.data.c_str(),
                 store.error().message().c_str());
    return 1;
  }
  ProgressLine line("reindex");
  auto started = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  auto n = (*store)->reindex([&](std::int64_t done) { line.update(done, seconds(), -1, 0); }, args.batch);
  line.done();
  if (!n) {
    std::fprintf(stderr, "parcours reindex: %s\n", n.error().message().c_str());
    return 1;
  }
  double s = seconds();
  std::printf("reindexed %s resources in %.1f s (%s resources/s)\n", with_thousands(*n).c_str(), s,
              with_thousands(static_cast<std::int64_t>(s > 0 ? static_cast<double>(*n) / s : 0)).c_str());
  (*store)->close();
  return 0;
}

}  // namespace parcours::cli
