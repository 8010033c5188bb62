// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): HMAC-SHA-1,
// 30-second steps, 6 digits — what authenticator apps expect by default.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/security_store.h"

namespace parcours::security {

inline constexpr int kTotpDigits = 6;
inline constexpr std::int64_t kTotpStepSeconds = 30;

// The 6-digit code of `secret` (raw bytes) for time step `step`.
std::string totp_code(std::string_view secret, std::int64_t step);
std::int64_t totp_step(store::Micros t);

// Checks `code` against the steps around `now` (one step of clock drift each
// way). Returns the matching step, which must be greater than
// `last_used_step` (a code is accepted once: RFC 6238 §5.2).
std::optional<std::int64_t> totp_verify(std::string_view secret, std::string_view code, store::Micros now,
                                        std::int64_t last_used_step);

// otpauth://totp/Parcours:<account>?secret=...&issuer=Parcours&algorithm=SHA1&digits=6&period=30
std::string totp_uri(std::string_view secret, std::string_view account, std::string_view issuer = "Parcours");

}  // namespace parcours::security
