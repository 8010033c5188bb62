#include "support/server_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#ifndef PARCOURS_BINARY
#error "PARCOURS_BINARY must name the parcours executable"
#endif

namespace parcours::testing {

TempDir::TempDir() {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path() /
              ("parcours-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(base);
  path_ = base.string();
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {

pid_t spawn(const std::vector<std::string>& args, const std::vector<std::string>& env, int out_fd) {
  pid_t pid = ::fork();
  if (pid == 0) {
    // The server dies with the test process, even if the test crashes.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(out_fd, STDERR_FILENO);
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    std::string bin = PARCOURS_BINARY;
    argv.push_back(bin.data());
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace

struct ServerProcess::Output {
  std::mutex mu;
  std::string text;
};

std::string ServerProcess::output() const {
  std::lock_guard lock(output_->mu);
  return output_->text;
}

ServerProcess::ServerProcess(const std::string& data_dir, const std::string& token,
                             std::vector<std::string> extra, std::vector<std::string> extra_env)
    : output_(std::make_shared<Output>()) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) throw std::runtime_error("pipe");
  std::vector<std::string> args{"serve", "--data", data_dir, "--listen", "127.0.0.1:0"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<std::string> env;
  if (token.empty()) {
    ::unsetenv("PARCOURS_ADMIN_TOKEN");
  } else {
    env.push_back("PARCOURS_ADMIN_TOKEN=" + token);
  }
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  pid_ = spawn(args, env, pipefd[1]);
  ::close(pipefd[1]);
  // Wait for "listening on http[s]://127.0.0.1:PORT/fhir".
  std::string seen;
  char buf[512];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    ssize_t n = ::read(pipefd[0], buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, static_cast<std::size_t>(n));
    // http:// or https:// (--tls-cert).
    std::string prefix = "listening on http://127.0.0.1:";
    auto at = seen.find(prefix);
    if (at == std::string::npos) {
      prefix = "listening on https://127.0.0.1:";
      at = seen.find(prefix);
    }
    if (at != std::string::npos) {
      auto start = at + prefix.size();
      auto slash = seen.find('/', start);
      if (slash != std::string::npos) {
        port_ = static_cast<std::uint16_t>(std::stoi(seen.substr(start, slash - start)));
        break;
      }
    }
  }
  // Keep draining the server's output so it never blocks on a full pipe
  // (kept, for tests that inspect the logs).
  int fd = pipefd[0];
  output_->text = seen;
  std::thread([fd, out = output_] {
    char b[4096];
    ssize_t n;
    while ((n = ::read(fd, b, sizeof b)) > 0) {
      std::lock_guard lock(out->mu);
      out->text.append(b, static_cast<std::size_t>(n));
    }
    ::close(fd);
  }).detach();
  if (port_ == 0) {
    stop();
    throw std::runtime_error("server did not start: " + seen);
  }
}

ServerProcess::~ServerProcess() { stop(); }

int ServerProcess::stop() {
  if (pid_ <= 0) return 0;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

RunResult run_parcours(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) throw std::runtime_error("pipe");
  pid_t pid = spawn(args, env, pipefd[1]);
  ::close(pipefd[1]);
  RunResult r;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) r.output.append(buf, static_cast<std::size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace parcours::testing
