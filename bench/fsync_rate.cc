// Baseline for bench/transactions.sh: the disk's durable-write rate. Writes
// 4 KiB at a time sequentially into a preallocated 16 MiB file (wrapping
// around, as SQLite reuses its WAL file) and calls fdatasync after each
// write, for --seconds. No program that acknowledges a write only once it is
// on disk can commit more often than this, one at a time; group commit is how
// a server goes beyond it with concurrent clients.
//
// Usage: fsync_rate --dir DIR [--seconds S]
// Prints: "fsyncs N seconds S fsyncs_per_s R".
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

int main(int argc, char** argv) {
  std::string dir;
  double seconds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view a = argv[i];
    if (a == "--dir") dir = argv[i + 1];
    if (a == "--seconds") seconds = std::strtod(argv[i + 1], nullptr);
  }
  if (dir.empty() || seconds <= 0) {
    std::fprintf(stderr, "usage: fsync_rate --dir DIR [--seconds S]\n");
    return 2;
  }
  const std::string path = dir + "/fsync_rate.tmp";
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
  constexpr off_t kFileSize = 16 << 20;
  constexpr std::size_t kBlock = 4096;
  if (fd < 0 || ::posix_fallocate(fd, 0, kFileSize) != 0 || ::fsync(fd) != 0) {
    std::fprintf(stderr, "fsync_rate: cannot prepare %s: %s\n", path.c_str(), std::strerror(errno));
    return 1;
  }
  char block[kBlock];
  std::memset(block, 'w', sizeof block);
  auto started = std::chrono::steady_clock::now();
  auto deadline = started + std::chrono::duration<double>(seconds);
  long syncs = 0;
  off_t offset = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::pwrite(fd, block, kBlock, offset) != static_cast<ssize_t>(kBlock) || ::fdatasync(fd) != 0) {
      std::fprintf(stderr, "fsync_rate: %s\n", std::strerror(errno));
      return 1;
    }
    offset = (offset + static_cast<off_t>(kBlock)) % kFileSize;
    ++syncs;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ::close(fd);
  ::unlink(path.c_str());
  std::printf("fsyncs %ld seconds %.3f fsyncs_per_s %.0f\n", syncs, secs, static_cast<double>(syncs) / secs);
  return 0;
}
