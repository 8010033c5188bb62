// Regular expressions for matches(), matchesFull() and replaceMatches()
// (N1 §"String manipulation": PCRE-flavoured, single-line mode so '.'
// matches newlines). Boost.Regex (header-only, Perl syntax) rather than
// std::regex: its matcher is non-recursive (no stack overflow on long
// inputs) and gives up with an error when backtracking explodes, so a
// catastrophic pattern is an evaluation error, not a hang.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace parcours::fhirpath {

class Regex {
 public:
  static constexpr std::size_t kMaxPattern = 4096;
  static constexpr std::size_t kMaxInput = 1u << 20;

  // Errors are 400s naming the problem in the pattern.
  static Result<std::shared_ptr<const Regex>> compile(std::string_view pattern);

  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Errors (input too long, matching too complex) as Status.
  Result<bool> search(std::string_view s) const;  // a match anywhere
  Result<bool> full(std::string_view s) const;    // the whole string
  // Every match replaced; $1... in `substitution` name groups.
  Result<std::string> replace(std::string_view s, std::string_view substitution) const;

  bool empty_pattern() const { return empty_; }

 private:
  Regex();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool empty_ = false;
};

}  // namespace parcours::fhirpath
