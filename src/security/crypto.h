// Cryptographic building blocks, each a thin wrapper over libsodium or
// OpenSSL 3 (EVP): randomness, encodings, digests and MACs, password hashing
// (Argon2id), constant-time comparison, and sealing secrets at rest.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/text.h"  // hex_encode, the pair of from_hex

namespace parcours::security {

// Must run once before anything below (idempotent, thread-safe).
Status crypto_init();

std::string random_bytes(std::size_t n);
// n random bytes as base64url without padding: tokens, codes, ids.
std::string random_token(std::size_t n = 32);

std::optional<std::string> from_hex(std::string_view hex);
std::string base64url_encode(std::string_view bytes);  // RFC 4648 §5, no padding
std::optional<std::string> base64url_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);  // RFC 4648 §4, padded
std::optional<std::string> base64_decode(std::string_view text);
std::string base32_encode(std::string_view bytes);  // RFC 4648 §6, no padding (otpauth URIs)
std::optional<std::string> base32_decode(std::string_view text);

std::string sha256(std::string_view data);  // raw 32 bytes
std::string sha256_hex(std::string_view data);
std::string hmac_sha1(std::string_view key, std::string_view data);    // raw 20 bytes (TOTP, RFC 6238)
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes

// Constant-time equality: the time taken does not depend on where the inputs
// differ (nor, beyond their lengths, on their contents).
bool same_secret(std::string_view a, std::string_view b);

// Argon2id (libsodium crypto_pwhash, "interactive" limits: 2 passes, 64 MiB).
// At most two hashes run at once, so a burst of logins cannot exhaust memory.
Result<std::string> hash_password(std::string_view password);
bool verify_password(std::string_view hash, std::string_view password);
// Burns the same time as a verification, for unknown usernames (no account
// enumeration by timing).
void verify_password_dummy(std::string_view password);

// Authenticated encryption of secrets at rest (XChaCha20-Poly1305-IETF).
// `context` is bound as associated data (e.g. "totp:acc-1"): a sealed value
// moved to another row does not open.
class SecretBox {
 public:
  static constexpr std::size_t kKeyBytes = 32;
  explicit SecretBox(std::string key);  // kKeyBytes raw bytes
  ~SecretBox();
  SecretBox(const SecretBox&) = delete;
  SecretBox& operator=(const SecretBox&) = delete;

  std::string seal(std::string_view plaintext, std::string_view context) const;  // base64 text
  Result<std::string> open(std::string_view sealed, std::string_view context) const;
  // A key derived for another purpose (HMAC of form tokens...), by keyed BLAKE2b.
  std::string derive(std::string_view purpose) const;

 private:
  std::string key_;
};

}  // namespace parcours::security
