#include "security/secret_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "security/crypto.h"

namespace parcours::security {

Result<std::string> load_secret_key(const std::string& data_dir) {
  if (auto s = crypto_init(); !s) return std::move(s).error();
  if (const char* env = std::getenv("PARCOURS_SECRET_KEY"); env && *env) {
    auto key = from_hex(env);
    if (!key || key->size() != 32)
      return internal_error("PARCOURS_SECRET_KEY must be 64 hexadecimal characters (32 bytes)");
    return *key;
  }
  std::filesystem::path path = std::filesystem::path(data_dir) / "secret.key";
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
      return internal_error(path.string() + " is readable by others: chmod 600 it");
    std::ifstream in(path);
    std::string text;
    in >> text;
    auto key = from_hex(text);
    if (!key || key->size() != 32) return internal_error(path.string() + " is not 64 hexadecimal characters");
    return *key;
  }
  std::filesystem::create_directories(data_dir, ec);
  std::string key = random_bytes(32);
  std::string text = hex_encode(key) + "\n";
  // O_EXCL: two processes starting at once cannot both create it.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return load_secret_key(data_dir);
    return internal_error("cannot create " + path.string() + ": " + std::strerror(errno));
  }
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return internal_error("cannot write " + path.string());
  return key;
}

}  // namespace parcours::security
