// Starts the real `parcours` binary on a free loopback port for a test, and
// stops it with SIGTERM (checking it exits cleanly).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace parcours::testing {

// A fresh temporary folder, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class ServerProcess {
 public:
  // Runs `parcours serve --data DIR --listen 127.0.0.1:0` with
  // PARCOURS_ADMIN_TOKEN=token (unset when empty).
  ServerProcess(const std::string& data_dir, const std::string& token,
                std::vector<std::string> extra_args = {}, std::vector<std::string> extra_env = {});
  ~ServerProcess();
  std::uint16_t port() const { return port_; }
  // Everything the server printed so far (stdout and stderr).
  std::string output() const;
  // SIGTERM and wait; returns the exit status (or -1 when killed by a signal).
  int stop();

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  struct Output;
  std::shared_ptr<Output> output_;
};

// Runs the binary with arguments to completion; returns exit code and output.
struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
RunResult run_parcours(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

}  // namespace parcours::testing
