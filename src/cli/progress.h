// A terminal progress line for long loads: count, rate and ETA, redrawn in
// place when stderr is a terminal; nothing otherwise (a summary is printed at
// the end instead).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ingest/bulk_loader.h"

namespace parcours::cli {

class ProgressLine {
 public:
  explicit ProgressLine(std::string label);
  bool interactive() const { return tty_; }
  // fraction in [0,1] or negative when unknown.
  void update(std::int64_t items, double seconds, double fraction, std::int64_t failed);
  void done();

 private:
  std::string label_;
  bool tty_ = false;
  bool drawn_ = false;
};

std::string with_thousands(std::int64_t n);

// The summary at the end of a load: counts, rate, the time spent building
// the search indexes after a bulk load (when index_seconds > 0), then the
// first rejected lines.
void print_load_summary(const ingest::LoadCounts& c, std::int64_t lines, double seconds,
                        const std::vector<ingest::LoadError>& errors, double index_seconds = 0);

}  // namespace parcours::cli
