#include "security/jwt.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

namespace parcours::security {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

std::string bio_text(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

Pkey generate(std::string_view alg) {
  if (alg == "RS256") return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
  return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

std::string private_pem(EVP_PKEY* k) {
  std::unique_ptr<BIO, BioFree> b(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PrivateKey(b.get(), k, nullptr, nullptr, 0, nullptr, nullptr)) return {};
  return bio_text(b.get());
}

std::string public_pem(EVP_PKEY* k) {
  std::unique_ptr<BIO, BioFree> b(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PUBKEY(b.get(), k)) return {};
  return bio_text(b.get());
}

Pkey read_private(const std::string& pem) {
  std::unique_ptr<BIO, BioFree> b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Pkey(PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr));
}

Pkey read_public(const std::string& pem) {
  std::unique_ptr<BIO, BioFree> b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Pkey(PEM_read_bio_PUBKEY(b.get(), nullptr, nullptr, nullptr));
}

std::string bn_bytes(const char* param, EVP_PKEY* k, int pad) {
  BIGNUM* raw = nullptr;
  if (!EVP_PKEY_get_bn_param(k, param, &raw)) return {};
  Bn bn(raw);
  int n = pad > 0 ? pad : BN_num_bytes(bn.get());
  std::string out(static_cast<std::size_t>(n), '\0');
  if (pad > 0)
    BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), pad);
  else
    BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// The public JWK, members in lexicographic order (RFC 7638 thumbprint input).
Json public_jwk(EVP_PKEY* k, std::string_view alg) {
  Json jwk = Json::object();
  if (alg == "RS256") {
    jwk.set("e", base64url_encode(bn_bytes(OSSL_PKEY_PARAM_RSA_E, k, 0)));
    jwk.set("kty", "RSA");
    jwk.set("n", base64url_encode(bn_bytes(OSSL_PKEY_PARAM_RSA_N, k, 0)));
  } else {
    jwk.set("crv", "P-256");
    jwk.set("kty", "EC");
    jwk.set("x", base64url_encode(bn_bytes(OSSL_PKEY_PARAM_EC_PUB_X, k, 32)));
    jwk.set("y", base64url_encode(bn_bytes(OSSL_PKEY_PARAM_EC_PUB_Y, k, 32)));
  }
  return jwk;
}

std::optional<std::string> evp_sign(EVP_PKEY* k, std::string_view alg, std::string_view data) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, k) != 1) return std::nullopt;
  std::size_t len = 0;
  auto in = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1) return std::nullopt;
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, data.size()) != 1)
    return std::nullopt;
  sig.resize(len);
  if (alg != "ES256") return sig;
  // JWS wants R || S (32 bytes each), OpenSSL gives DER (RFC 7518 §3.4).
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  if (!es) return std::nullopt;
  const BIGNUM *r = nullptr, *s = nullptr;
  ECDSA_SIG_get0(es, &r, &s);
  std::string raw(64, '\0');
  BN_bn2binpad(r, reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(s, reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(es);
  return raw;
}

bool evp_verify(EVP_PKEY* k, std::string_view alg, std::string_view data, std::string sig) {
  if (alg == "ES256") {
    if (sig.size() != 64) return false;
    ECDSA_SIG* es = ECDSA_SIG_new();
    auto raw = reinterpret_cast<const unsigned char*>(sig.data());
    BIGNUM* r = BN_bin2bn(raw, 32, nullptr);
    BIGNUM* s = BN_bin2bn(raw + 32, 32, nullptr);
    if (!es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1) {
      BN_free(r);
      BN_free(s);
      ECDSA_SIG_free(es);
      return false;
    }
    int len = i2d_ECDSA_SIG(es, nullptr);
    std::string der(static_cast<std::size_t>(std::max(len, 0)), '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    i2d_ECDSA_SIG(es, &out);
    ECDSA_SIG_free(es);
    sig = std::move(der);
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  const EVP_MD* md = alg == "RS384" ? EVP_sha384() : EVP_sha256();
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, k) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

// A public key from a JWK (RFC 7518 §6.2.1, §6.3.1), or null with `why`.
Pkey key_of_jwk(const Json& jwk, std::string& why) {
  std::string kty(jwk.get_string("kty"));
  struct ParamFree {
    void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  };
  struct BldFree {
    void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
  };
  struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
  };
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld) return nullptr;
  Bn n, e;
  std::string point;
  if (kty == "EC") {
    if (jwk.get_string("crv") != "P-256") {
      why = "an EC key must be on curve P-256 (ES256)";
      return nullptr;
    }
    auto x = base64url_decode(jwk.get_string("x"));
    auto y = base64url_decode(jwk.get_string("y"));
    if (!x || !y || x->size() != 32 || y->size() != 32) {
      why = "an EC key needs x and y of 32 bytes";
      return nullptr;
    }
    point = "\x04" + *x + *y;  // uncompressed point (SEC 1 §2.3.3)
    if (!OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()))
      return nullptr;
  } else if (kty == "RSA") {
    auto nb = base64url_decode(jwk.get_string("n"));
    auto eb = base64url_decode(jwk.get_string("e"));
    if (!nb || !eb || nb->empty() || eb->empty()) {
      why = "an RSA key needs n and e";
      return nullptr;
    }
    n.reset(
        BN_bin2bn(reinterpret_cast<const unsigned char*>(nb->data()), static_cast<int>(nb->size()), nullptr));
    e.reset(
        BN_bin2bn(reinterpret_cast<const unsigned char*>(eb->data()), static_cast<int>(eb->size()), nullptr));
    if (!n || !e || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()))
      return nullptr;
  } else {
    why = "key type must be EC (ES256) or RSA (RS384)";
    return nullptr;
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, kty.c_str(), nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    why = "the key does not decode (an EC point must be on the curve)";
    return nullptr;
  }
  Pkey key(raw);
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    why = "the public key fails its validity check";
    return nullptr;
  }
  if (kty == "RSA" && EVP_PKEY_get_bits(key.get()) < 2048) {
    why = "an RSA key must have at least 2048 bits";
    return nullptr;
  }
  return key;
}

// The algorithm a JWK is for: its "alg" when given, else by its type.
std::string alg_of_jwk(const Json& jwk) {
  std::string alg(jwk.get_string("alg"));
  if (!alg.empty()) return alg;
  return jwk.get_string("kty") == "EC" ? "ES256" : "RS384";
}

struct Jws {
  Json header;
  std::string claims_raw, signing_input, signature;
};

std::optional<Jws> split_jws(std::string_view token) {
  auto d1 = token.find('.');
  if (d1 == std::string_view::npos) return std::nullopt;
  auto d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) return std::nullopt;
  auto header_raw = base64url_decode(token.substr(0, d1));
  auto claims_raw = base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  auto sig = base64url_decode(token.substr(d2 + 1));
  if (!header_raw || !claims_raw || !sig) return std::nullopt;
  auto header = parse_json(*header_raw);
  if (!header || !header->is_object()) return std::nullopt;
  return Jws{std::move(*header), std::move(*claims_raw), std::string(token.substr(0, d2)), std::move(*sig)};
}

}  // namespace

Result<int> check_client_jwks(std::string_view text) {
  auto jwks = parse_json(text);
  if (!jwks || !jwks->is_object()) return bad_request("the JWKS is not a JSON object");
  const Json* keys = jwks->find("keys");
  if (!keys || !keys->is_array() || keys->as_array().empty())
    return bad_request("the JWKS has no \"keys\" array");
  int n = 0;
  for (const Json& k : keys->as_array()) {
    std::string why = "not a JSON object";
    std::string label = "key " + std::to_string(n + 1);
    if (!k.is_object() || !key_of_jwk(k, why)) return bad_request("JWKS " + label + ": " + why);
    std::string alg = alg_of_jwk(k);
    if (alg != "ES256" && alg != "RS384")
      return bad_request("JWKS " + label + ": alg must be ES256 or RS384, not '" + alg + "'");
    if ((alg == "ES256") != (k.get_string("kty") == "EC"))
      return bad_request("JWKS " + label + ": alg " + alg + " does not fit its key type");
    if (auto use = k.get_string("use"); !use.empty() && use != "sig")
      return bad_request("JWKS " + label + ": use must be sig");
    ++n;
  }
  return n;
}

std::optional<Json> peek_jwt_header(std::string_view token) {
  auto jws = split_jws(token);
  if (!jws) return std::nullopt;
  return std::move(jws->header);
}

Result<VerifiedJwt> verify_with_jwks(std::string_view token, const Json& jwks) {
  auto jws = split_jws(token);
  if (!jws) return bad_request("not a compact JWS");
  std::string alg(jws->header.get_string("alg"));
  if (alg != "ES256" && alg != "RS384") return Error(401, "login", "alg must be ES256 or RS384");
  // RFC 7515 §4.1.11: extensions we do not understand make the JWS invalid.
  if (jws->header.find("crit")) return Error(401, "login", "unsupported critical header");
  std::string kid(jws->header.get_string("kid"));
  const Json* keys = jwks.find("keys");
  if (!keys || !keys->is_array()) return Error(401, "login", "the client has no usable key");
  bool candidate = false;
  for (const Json& k : keys->as_array()) {
    if (!k.is_object()) continue;
    if (!kid.empty() && k.get_string("kid") != kid) continue;
    if (alg_of_jwk(k) != alg) continue;
    std::string why;
    Pkey key = key_of_jwk(k, why);
    if (!key) continue;
    candidate = true;
    if (!evp_verify(key.get(), alg, jws->signing_input, jws->signature)) continue;
    auto claims = parse_json(jws->claims_raw);
    if (!claims || !claims->is_object()) return bad_request("the JWT claims are not a JSON object");
    return VerifiedJwt{std::move(jws->header), std::move(*claims)};
  }
  if (!candidate)
    return Error(
        401, "login",
        kid.empty() ? "no registered key for " + alg : "no registered " + alg + " key with this kid");
  return Error(401, "login", "bad signature");
}

struct KeyRing::Key {
  store::SigningKey row;
  Pkey pub;
  Pkey priv;  // null when it does not open (then it only verifies)
};

KeyRing::KeyRing(store::SecurityStore& store, const SecretBox& box, KeyRingOptions options)
    : store_(store), box_(box), options_(std::move(options)) {}
KeyRing::~KeyRing() = default;

Status KeyRing::load() {
  std::lock_guard lock(mu_);
  auto rows = store_.signing_keys();
  if (!rows) return std::move(rows).error();
  keys_.clear();
  for (auto& row : *rows) {
    auto k = std::make_unique<Key>();
    k->pub = read_public(row.public_pem);
    if (!k->pub) return internal_error("signing key " + row.kid + " has an unreadable public key");
    auto pem = box_.open(row.private_sealed, "signing-key:" + row.kid);
    if (!pem) return std::move(pem).error();
    k->priv = read_private(*pem);
    for (auto& c : *pem) c = 0;
    k->row = std::move(row);
    keys_.push_back(std::move(k));
  }
  return ensure_current_locked(Clock::now());
}

Status KeyRing::ensure_current_locked(Micros now) {
  for (const auto& k : keys_)
    if (k->priv && k->row.retire_at > now) return Status::Ok();
  return rotate_locked(now);
}

Status KeyRing::rotate() {
  std::lock_guard lock(mu_);
  return rotate_locked(Clock::now());
}

Status KeyRing::rotate_locked(Micros now) {
  Pkey k = generate(options_.alg);
  if (!k) return internal_error("cannot generate a " + options_.alg + " key");
  auto owned = std::make_unique<Key>();
  Json thumb_input = public_jwk(k.get(), options_.alg);
  owned->row.kid = base64url_encode(sha256(thumb_input.dump())).substr(0, 22);  // RFC 7638 thumbprint
  owned->row.alg = options_.alg;
  owned->row.public_pem = public_pem(k.get());
  std::string pem = private_pem(k.get());
  owned->row.private_sealed = box_.seal(pem, "signing-key:" + owned->row.kid);
  for (auto& c : pem) c = 0;
  owned->row.created = now;
  owned->row.retire_at = now + options_.rotate_after;
  owned->row.drop_at = owned->row.retire_at + options_.longest_token + kHour;
  // Older keys stop signing now but stay published until their tokens expire.
  for (auto& old : keys_) {
    if (old->row.retire_at > now) {
      old->row.retire_at = now;
      old->row.drop_at = now + options_.longest_token + kHour;
      if (auto s = store_.put_signing_key(old->row); !s) return s;
    }
  }
  if (auto s = store_.put_signing_key(owned->row); !s) return s;
  owned->pub = read_public(owned->row.public_pem);
  owned->priv = std::move(k);
  keys_.push_back(std::move(owned));
  return Status::Ok();
}

KeyRing::Key* KeyRing::find_locked(std::string_view kid) {
  for (auto& k : keys_)
    if (k->row.kid == kid) return k.get();
  return nullptr;
}

Result<std::string> KeyRing::sign(const Json& claims, std::string_view typ) {
  std::lock_guard lock(mu_);
  Micros now = Clock::now();
  if (auto s = ensure_current_locked(now); !s) return std::move(s).error();
  Key* key = nullptr;
  for (auto& k : keys_)
    if (k->priv && k->row.retire_at > now && (!key || k->row.created > key->row.created)) key = k.get();
  if (!key) return internal_error("no signing key");
  Json header = Json::object();
  header.set("alg", key->row.alg);
  header.set("kid", key->row.kid);
  header.set("typ", typ);
  std::string input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
  auto sig = evp_sign(key->priv.get(), key->row.alg, input);
  if (!sig) return internal_error("signing a token failed");
  return input + "." + base64url_encode(*sig);
}

Result<VerifiedJwt> KeyRing::verify(std::string_view token) {
  auto invalid = [] { return Error(401, "login", "Invalid or expired token"); };
  auto d1 = token.find('.');
  if (d1 == std::string_view::npos) return invalid();
  auto d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) return invalid();
  auto header_raw = base64url_decode(token.substr(0, d1));
  auto claims_raw = base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  auto sig = base64url_decode(token.substr(d2 + 1));
  if (!header_raw || !claims_raw || !sig) return invalid();
  auto header = parse_json(*header_raw);
  if (!header || !header->is_object()) return invalid();
  std::string kid(header->get_string("kid"));
  std::string alg(header->get_string("alg"));
  std::lock_guard lock(mu_);
  Key* key = find_locked(kid);
  if (!key) {
    // Another process (a second server on the same data) may have rotated.
    auto rows = store_.signing_keys();
    if (rows) {
      for (auto& row : *rows) {
        if (row.kid != kid) continue;
        auto k = std::make_unique<Key>();
        k->pub = read_public(row.public_pem);
        k->row = row;
        if (k->pub) {
          keys_.push_back(std::move(k));
          key = keys_.back().get();
        }
      }
    }
  }
  if (!key || alg != key->row.alg || key->row.drop_at <= Clock::now()) return invalid();
  if (!evp_verify(key->pub.get(), alg, token.substr(0, d2), std::move(*sig))) return invalid();
  auto claims = parse_json(*claims_raw);
  if (!claims || !claims->is_object()) return invalid();
  return VerifiedJwt{std::move(*header), std::move(*claims)};
}

Json KeyRing::jwks() {
  std::lock_guard lock(mu_);
  Micros now = Clock::now();
  Json keys = Json::array();
  for (const auto& k : keys_) {
    if (k->row.drop_at <= now) continue;
    Json jwk = public_jwk(k->pub.get(), k->row.alg);
    jwk.set("kid", k->row.kid);
    jwk.set("alg", k->row.alg);
    jwk.set("use", "sig");
    keys.push_back(std::move(jwk));
  }
  Json out = Json::object();
  out.set("keys", std::move(keys));
  return out;
}

std::optional<Json> peek_jwt_claims(std::string_view token) {
  auto d1 = token.find('.');
  if (d1 == std::string_view::npos) return std::nullopt;
  auto d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return std::nullopt;
  auto raw = base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  if (!raw) return std::nullopt;
  auto j = parse_json(*raw);
  if (!j || !j->is_object()) return std::nullopt;
  return std::move(*j);
}

}  // namespace parcours::security
