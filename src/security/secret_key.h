// The server's secret key: seals TOTP secrets and signing keys at rest and
// keys the login form's anti-forgery tokens. From PARCOURS_SECRET_KEY (64 hex
// characters) or, when unset, DIR/secret.key (created on first start with
// 32 random bytes, mode 0600). Keep it out of the database's backups, or a
// stolen backup opens the sealed secrets (docs/security.md).
#pragma once

#include <string>

#include "base/result.h"

namespace parcours::security {

// Raw 32 bytes.
Result<std::string> load_secret_key(const std::string& data_dir);

}  // namespace parcours::security
