#include "security/totp.h"

#include <cstdio>

#include "security/crypto.h"

namespace parcours::security {

std::int64_t totp_step(store::Micros t) { return t / 1'000'000 / kTotpStepSeconds; }

std::string totp_code(std::string_view secret, std::int64_t step) {
  // RFC 4226 §5.3: HMAC over the 8-byte big-endian counter, dynamic truncation.
  char counter[8];
  for (int i = 7; i >= 0; --i) {
    counter[i] = static_cast<char>(step & 0xFF);
    step >>= 8;
  }
  std::string mac = hmac_sha1(secret, std::string_view(counter, 8));
  if (mac.size() != 20) return {};
  int offset = mac[19] & 0x0F;
  std::uint32_t bin = ((static_cast<unsigned char>(mac[offset]) & 0x7F) << 24) |
                      (static_cast<unsigned char>(mac[offset + 1]) << 16) |
                      (static_cast<unsigned char>(mac[offset + 2]) << 8) |
                      static_cast<unsigned char>(mac[offset + 3]);
  char out[16];
  std::snprintf(out, sizeof out, "%06u", bin % 1000000u);
  return out;
}

std::optional<std::int64_t> totp_verify(std::string_view secret, std::string_view code, store::Micros now,
                                        std::int64_t last_used_step) {
  if (code.size() != kTotpDigits) return std::nullopt;
  std::int64_t step = totp_step(now);
  std::optional<std::int64_t> match;
  // Every candidate is computed and compared in constant time, whatever matches.
  for (std::int64_t s = step - 1; s <= step + 1; ++s) {
    if (same_secret(totp_code(secret, s), code) && s > last_used_step && !match) match = s;
  }
  return match;
}

std::string totp_uri(std::string_view secret, std::string_view account, std::string_view issuer) {
  std::string label;
  for (char c : std::string(issuer) + ":" + std::string(account)) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '.' || c == '-' || c == '_' ||
        c == '@') {
      label.push_back(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      label += buf;
    }
  }
  return "otpauth://totp/" + label + "?secret=" + base32_encode(secret) + "&issuer=" + std::string(issuer) +
         "&algorithm=SHA1&digits=6&period=30";
}

}  // namespace parcours::security
