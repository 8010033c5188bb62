// HTTPS: the real server with --tls-cert/--tls-key, spoken to by curl with
// the certificate as its only trust anchor (so the name and the chain are
// really checked). The certificate is made here with OpenSSL: EC P-256,
// self-signed, subjectAltName IP:127.0.0.1.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include "support/server_process.h"

namespace parcours {
namespace {

constexpr const char* kToken = "tls-test-admin-token-7d1e";

// Writes cert.pem and key.pem into `dir`.
void make_certificate(const std::string& dir) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  ASSERT_NE(key, nullptr);
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"),
                             -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
  ASSERT_NE(san, nullptr);
  X509_add_ext(x, san, -1);
  X509_EXTENSION_free(san);
  ASSERT_GT(X509_sign(x, key, EVP_sha256()), 0);
  FILE* f = std::fopen((dir + "/cert.pem").c_str(), "w");
  PEM_write_X509(f, x);
  std::fclose(f);
  f = std::fopen((dir + "/key.pem").c_str(), "w");
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(x);
  EVP_PKEY_free(key);
}

// Runs a shell command and returns its standard output.
std::string run(const std::string& command) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(command.c_str(), "r"), pclose);
  if (!p) return out;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p.get())) > 0) out.append(buf.data(), n);
  return out;
}

TEST(Tls, ServesHttpsWithItsCertificate) {
  testing::TempDir dir;
  make_certificate(dir.path());
  const std::string cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
  testing::ServerProcess server(dir.path() + "/data", kToken, {"--tls-cert", cert, "--tls-key", key});
  ASSERT_NE(server.port(), 0) << server.output();
  EXPECT_NE(server.output().find("listening on https://127.0.0.1:"), std::string::npos);
  const std::string base = "https://127.0.0.1:" + std::to_string(server.port()) + "/fhir";
  const std::string curl =
      "curl -sS --max-time 10 --cacert " + cert + " -H 'Authorization: Bearer " + kToken + "' ";
  // The certificate is checked (name and chain) and the API answers.
  std::string metadata = run(curl + base + "/metadata");
  EXPECT_NE(metadata.find("\"CapabilityStatement\""), std::string::npos) << metadata;
  // URLs the server makes name https.
  std::string created = run(curl + "-i -X PUT -H 'Content-Type: application/fhir+json' -d " +
                            "'{\"resourceType\":\"Patient\",\"id\":\"p1\"}' " + base + "/Patient/p1");
  EXPECT_NE(created.find("HTTP/1.1 201"), std::string::npos) << created;
  EXPECT_NE(created.find("ocation: " + base + "/Patient/p1/_history/1"), std::string::npos) << created;
  // TLS 1.0 and 1.1 are refused; plain HTTP gets no answer.
  EXPECT_EQ(
      run("curl -s -o /dev/null -w '%{http_code}' --max-time 10 --tls-max 1.1 -k " + base + "/metadata"),
      "000");
  EXPECT_EQ(run("curl -s -o /dev/null -w '%{http_code}' --max-time 10 http://127.0.0.1:" +
                std::to_string(server.port()) + "/fhir/metadata"),
            "000");
  EXPECT_EQ(server.stop(), 0) << server.output();
  // The key never reaches the logs.
  EXPECT_EQ(server.output().find("PRIVATE KEY"), std::string::npos);
}

TEST(Tls, RefusesAnIncompleteConfiguration) {
  testing::TempDir dir;
  make_certificate(dir.path());
  auto r = testing::run_parcours({"serve", "--data", dir.path() + "/data", "--listen", "127.0.0.1:0",
                                  "--tls-cert", dir.path() + "/cert.pem"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("private key"), std::string::npos) << r.output;
  // A key that does not parse: a clear error naming the file, not its content.
  FILE* f = std::fopen((dir.path() + "/bad.pem").c_str(), "w");
  std::fputs("not a key\n", f);
  std::fclose(f);
  r = testing::run_parcours({"serve", "--data", dir.path() + "/data", "--listen", "127.0.0.1:0", "--tls-cert",
                             dir.path() + "/cert.pem", "--tls-key", dir.path() + "/bad.pem"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("bad.pem"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace parcours
