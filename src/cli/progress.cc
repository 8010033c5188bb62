#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace parcours::cli {

std::string with_thousands(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out.push_back(' ');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

ProgressLine::ProgressLine(std::string label) : label_(std::move(label)), tty_(isatty(STDERR_FILENO) == 1) {}

void ProgressLine::update(std::int64_t items, double seconds, double fraction, std::int64_t failed) {
  if (!tty_) return;
  constexpr int kWidth = 28;
  std::string bar;
  if (fraction >= 0) {
    int filled = static_cast<int>(fraction * kWidth + 0.5);
    bar = "[" + std::string(static_cast<std::size_t>(filled), '#') +
          std::string(static_cast<std::size_t>(kWidth - filled), '.') + "] ";
  }
  double rate = seconds > 0 ? static_cast<double>(items) / seconds : 0;
  std::string eta = "--:--";
  if (fraction > 0.001 && fraction < 1) {
    auto left = static_cast<long>(seconds / fraction - seconds);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld", left / 60, left % 60);
    eta = buf;
  } else if (fraction >= 1) {
    eta = "0:00";
  }
  std::fprintf(stderr, "\r%s %s%s resources  %s/s  ETA %s%s\x1b[K", label_.c_str(), bar.c_str(),
               with_thousands(items).c_str(), with_thousands(static_cast<std::int64_t>(rate)).c_str(),
               eta.c_str(), failed ? ("  " + with_thousands(failed) + " rejected").c_str() : "");
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressLine::done() {
  if (tty_ && drawn_) std::fputc('\n', stderr);
  drawn_ = false;
}

void print_load_summary(const ingest::LoadCounts& c, std::int64_t lines, double seconds,
                        const std::vector<ingest::LoadError>& errors, double index_seconds) {
  double rate = seconds > 0 ? static_cast<double>(c.loaded) / seconds : 0;
  std::printf("loaded %s resources (%s lines) in %.1f s: %s resources/s; %s rejected\n",
              with_thousands(c.loaded).c_str(), with_thousands(lines).c_str(), seconds,
              with_thousands(static_cast<std::int64_t>(rate)).c_str(), with_thousands(c.failed).c_str());
  if (index_seconds > 0)
    std::printf("of which %.1f s building the search indexes after the load\n", index_seconds);
  std::size_t shown = 0;
  for (const auto& e : errors) {
    if (++shown > 50) {
      std::printf("  ... %zu more\n", errors.size() - 50);
      break;
    }
    std::printf("  %s:%zu: %s\n", e.source.file.c_str(), e.source.line, e.reason.c_str());
  }
}

}  // namespace parcours::cli
