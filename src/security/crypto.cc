#include "security/crypto.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <condition_variable>
#include <mutex>

namespace parcours::security {

Status crypto_init() {
  if (sodium_init() < 0) return internal_error("libsodium failed to initialise");
  return Status::Ok();
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

std::string random_token(std::size_t n) { return base64url_encode(random_bytes(n)); }

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kB32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string b64_encode(std::string_view in, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    std::uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                      (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(alphabet[(v >> s) & 63]);
  }
  std::size_t rest = in.size() - i;
  if (rest) {
    std::uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (rest == 2) out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

std::optional<std::string> b64_decode(std::string_view in, const char* alphabet) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  int map[256];
  for (int& m : map) m = -1;
  for (int i = 0; i < 64; ++i) map[static_cast<unsigned char>(alphabet[i])] = i;
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = map[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Leftover bits must be zero (canonical encoding only).
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int h = hex_digit(hex[i]), l = hex_digit(hex[i + 1]);
    if (h < 0 || l < 0) return std::nullopt;
    out.push_back(static_cast<char>(h * 16 + l));
  }
  return out;
}

std::string base64url_encode(std::string_view bytes) { return b64_encode(bytes, kB64Url, false); }
std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.find('=') != std::string_view::npos) return std::nullopt;
  return b64_decode(text, kB64Url);
}
std::string base64_encode(std::string_view bytes) { return b64_encode(bytes, kB64, true); }
std::optional<std::string> base64_decode(std::string_view text) { return b64_decode(text, kB64); }

std::string base32_encode(std::string_view bytes) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kB32[(acc >> bits) & 31]);
    }
  }
  if (bits > 0) out.push_back(kB32[(acc << (5 - bits)) & 31]);
  return out;
}

std::optional<std::string> base32_decode(std::string_view text) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=' || c == ' ') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    const char* p = std::char_traits<char>::find(kB32, 32, c);
    if (!p) return std::nullopt;
    acc = (acc << 5) | static_cast<std::uint32_t>(p - kB32);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

std::string sha256(std::string_view data) {
  std::string out(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return out;
}

std::string sha256_hex(std::string_view data) { return hex_encode(sha256(data)); }

namespace {

std::string hmac(const char* digest, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  // EVP_Q_mac: OpenSSL 3's one-shot MAC (the HMAC_CTX API is deprecated).
  if (!EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, key.data(), key.size(),
                 reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, sizeof out, &len))
    return {};
  return std::string(reinterpret_cast<const char*>(out), len);
}

}  // namespace

std::string hmac_sha1(std::string_view key, std::string_view data) { return hmac("SHA1", key, data); }
std::string hmac_sha256(std::string_view key, std::string_view data) { return hmac("SHA256", key, data); }

bool same_secret(std::string_view a, std::string_view b) {
  // Compare digests of equal size, so even the lengths leak nothing useful.
  std::string da = sha256(a), db = sha256(b);
  return sodium_memcmp(da.data(), db.data(), da.size()) == 0;
}

namespace {

// Argon2id with 64 MiB per hash: bound the number running at once.
class HashGate {
 public:
  void enter() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return running_ < 2; });
    ++running_;
  }
  void leave() {
    {
      std::lock_guard lock(mu_);
      --running_;
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int running_ = 0;
};

HashGate& gate() {
  static HashGate g;
  return g;
}

struct GateHold {
  GateHold() { gate().enter(); }
  ~GateHold() { gate().leave(); }
};

}  // namespace

Result<std::string> hash_password(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  GateHold hold;
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return internal_error("password hashing failed (out of memory)");
  return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  std::string h(hash);
  GateHold hold;
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

void verify_password_dummy(std::string_view password) {
  static const std::string dummy = [] {
    auto h = hash_password("parcours-dummy-password");
    return h ? *h : std::string();
  }();
  (void)verify_password(dummy, password);
}

SecretBox::SecretBox(std::string key) : key_(std::move(key)) {}
SecretBox::~SecretBox() { sodium_memzero(key_.data(), key_.size()); }

std::string SecretBox::seal(std::string_view plaintext, std::string_view context) const {
  std::string nonce = random_bytes(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  std::string out(nonce.size() + plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  std::copy(nonce.begin(), nonce.end(), out.begin());
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<unsigned char*>(out.data() + nonce.size()), &clen,
      reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
      reinterpret_cast<const unsigned char*>(context.data()), context.size(), nullptr,
      reinterpret_cast<const unsigned char*>(nonce.data()),
      reinterpret_cast<const unsigned char*>(key_.data()));
  out.resize(nonce.size() + clen);
  return base64_encode(out);
}

Result<std::string> SecretBox::open(std::string_view sealed, std::string_view context) const {
  auto raw = base64_decode(sealed);
  constexpr std::size_t kN = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  constexpr std::size_t kA = crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (!raw || raw->size() < kN + kA) return internal_error("a sealed secret is malformed");
  std::string out(raw->size() - kN - kA, '\0');
  unsigned long long mlen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &mlen, nullptr,
          reinterpret_cast<const unsigned char*>(raw->data() + kN), raw->size() - kN,
          reinterpret_cast<const unsigned char*>(context.data()), context.size(),
          reinterpret_cast<const unsigned char*>(raw->data()),
          reinterpret_cast<const unsigned char*>(key_.data())) != 0)
    return internal_error(
        "a sealed secret does not open: wrong PARCOURS_SECRET_KEY for this data directory, or tampering");
  out.resize(mlen);
  return out;
}

std::string SecretBox::derive(std::string_view purpose) const {
  std::string out(32, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     reinterpret_cast<const unsigned char*>(purpose.data()), purpose.size(),
                     reinterpret_cast<const unsigned char*>(key_.data()), key_.size());
  return out;
}

}  // namespace parcours::security
