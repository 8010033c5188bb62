#include "fhirpath/regex.h"

// Fewer backtracking states than Boost's default (10^8) before giving up:
// a pathological pattern fails in milliseconds rather than seconds.
#define BOOST_REGEX_MAX_STATE_COUNT 20000000
#include <boost/regex.hpp>

namespace parcours::fhirpath {

struct Regex::Impl {
  boost::regex re;
};

Regex::Regex() : impl_(std::make_unique<Impl>()) {}
Regex::~Regex() = default;

Result<std::shared_ptr<const Regex>> Regex::compile(std::string_view pattern) {
  if (pattern.size() > kMaxPattern) return bad_request("regular expression longer than 4096 characters");
  std::shared_ptr<Regex> r(new Regex());
  r->empty_ = pattern.empty();
  try {
    r->impl_->re.assign(pattern.begin(), pattern.end(),
                        boost::regex::perl | boost::regex::mod_s | boost::regex::no_mod_m);
  } catch (const std::exception& e) {
    return bad_request("invalid regular expression '" + std::string(pattern) + "': " + e.what());
  }
  return std::shared_ptr<const Regex>(std::move(r));
}

Result<bool> Regex::search(std::string_view s) const {
  if (s.size() > kMaxInput) return unprocessable("matches(): input longer than 1 MiB");
  try {
    return boost::regex_search(s.begin(), s.end(), impl_->re);
  } catch (const std::exception& e) {
    return unprocessable(std::string("regular expression: ") + e.what());
  }
}

Result<bool> Regex::full(std::string_view s) const {
  if (s.size() > kMaxInput) return unprocessable("matchesFull(): input longer than 1 MiB");
  try {
    return boost::regex_match(s.begin(), s.end(), impl_->re);
  } catch (const std::exception& e) {
    return unprocessable(std::string("regular expression: ") + e.what());
  }
}

Result<std::string> Regex::replace(std::string_view s, std::string_view substitution) const {
  if (s.size() > kMaxInput) return unprocessable("replaceMatches(): input longer than 1 MiB");
  if (empty_) return std::string(s);
  try {
    std::string out;
    boost::regex_replace(std::back_inserter(out), s.begin(), s.end(), impl_->re, std::string(substitution),
                         boost::format_perl);
    return out;
  } catch (const std::exception& e) {
    return unprocessable(std::string("regular expression: ") + e.what());
  }
}

}  // namespace parcours::fhirpath
