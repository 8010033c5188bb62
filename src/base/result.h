// Errors as values (LevelDB-style Status), carried across layers without
// exceptions. At the API edge an Error becomes an OperationOutcome with its
// HTTP status.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace parcours {

// One problem, shaped after OperationOutcome.issue (FHIR R4 §2.36).
struct Issue {
  std::string severity = "error";  // fatal | error | warning | information
  std::string code = "invalid";    // IssueType value set
  std::string diagnostics;         // human-readable explanation
  std::string expression;          // FHIRPath location of the problem, if any
};

class Error {
 public:
  Error() = default;
  Error(int http_status, std::string code, std::string diagnostics, std::string expression = {})
      : status_(http_status) {
    issues_.push_back(Issue{"error", std::move(code), std::move(diagnostics), std::move(expression)});
  }
  Error(int http_status, std::vector<Issue> issues) : status_(http_status), issues_(std::move(issues)) {}

  int status() const { return status_; }
  const std::vector<Issue>& issues() const { return issues_; }
  std::vector<Issue>& issues() { return issues_; }
  // First diagnostics line, for logs and CLI output.
  std::string message() const {
    if (issues_.empty()) return "error";
    const auto& i = issues_.front();
    return i.expression.empty() ? i.diagnostics : i.diagnostics + " (at " + i.expression + ")";
  }

 private:
  int status_ = 500;
  std::vector<Issue> issues_;
};

// Common constructors, named after the HTTP status they map to.
inline Error bad_request(std::string msg, std::string expr = {}) {
  return Error(400, "invalid", std::move(msg), std::move(expr));
}
inline Error unprocessable(std::string msg, std::string expr = {}) {
  return Error(422, "processing", std::move(msg), std::move(expr));
}
inline Error not_found(std::string msg) { return Error(404, "not-found", std::move(msg)); }
inline Error gone(std::string msg) { return Error(410, "deleted", std::move(msg)); }
inline Error conflict(std::string msg) { return Error(409, "conflict", std::move(msg)); }
inline Error precondition_failed(std::string msg) { return Error(412, "conflict", std::move(msg)); }
inline Error internal_error(std::string msg) { return Error(500, "exception", std::move(msg)); }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

// Result<void>
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design
  static Status Ok() { return {}; }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace parcours
