#include "fhir/json_patch.h"

#include <charconv>
#include <string>
#include <vector>

namespace parcours::fhir {
namespace {

// RFC 6901 JSON Pointer -> reference tokens ("~1" is '/', "~0" is '~').
std::optional<std::vector<std::string>> split_pointer(std::string_view p) {
  std::vector<std::string> tokens;
  if (p.empty()) return tokens;
  if (p.front() != '/') return std::nullopt;
  std::size_t start = 1;
  while (true) {
    std::size_t end = p.find('/', start);
    std::string_view raw =
        p.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    std::string tok;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        tok.push_back(raw[i]);
        continue;
      }
      if (i + 1 >= raw.size() || (raw[i + 1] != '0' && raw[i + 1] != '1')) return std::nullopt;
      tok.push_back(raw[i + 1] == '0' ? '~' : '/');
      ++i;
    }
    tokens.push_back(std::move(tok));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return tokens;
}

// Array index token: digits without leading zeros, or "-" (one past the end)
// when `allow_end`.
std::optional<std::size_t> array_index(const std::string& tok, std::size_t size, bool allow_end) {
  if (allow_end && tok == "-") return size;
  if (tok.empty() || (tok.size() > 1 && tok[0] == '0')) return std::nullopt;
  std::size_t i = 0;
  auto r = std::from_chars(tok.data(), tok.data() + tok.size(), i);
  if (r.ec != std::errc() || r.ptr != tok.data() + tok.size()) return std::nullopt;
  if (i > size || (i == size && !allow_end)) return std::nullopt;
  return i;
}

Json* resolve(Json& root, const std::vector<std::string>& tokens, std::size_t n) {
  Json* cur = &root;
  for (std::size_t k = 0; k < n; ++k) {
    if (cur->is_object()) {
      cur = cur->find(tokens[k]);
    } else if (cur->is_array()) {
      auto i = array_index(tokens[k], cur->as_array().size(), false);
      cur = i ? &cur->as_array()[*i] : nullptr;
    } else {
      cur = nullptr;
    }
    if (!cur) return nullptr;
  }
  return cur;
}

class Patcher {
 public:
  explicit Patcher(Json doc) : doc_(std::move(doc)) {}
  Json take() { return std::move(doc_); }

  Status add(const std::vector<std::string>& path, Json value) {
    if (path.empty()) {
      doc_ = std::move(value);
      return {};
    }
    Json* parent = resolve(doc_, path, path.size() - 1);
    if (!parent) return fail("parent of the path does not exist");
    const auto& last = path.back();
    if (parent->is_object()) {
      parent->set(last, std::move(value));
      return {};
    }
    if (parent->is_array()) {
      auto& a = parent->as_array();
      auto i = array_index(last, a.size(), true);
      if (!i) return fail("array index '" + last + "' is out of range");
      a.insert(a.begin() + static_cast<std::ptrdiff_t>(*i), std::move(value));
      return {};
    }
    return fail("parent of the path is not an object or array");
  }

  Result<Json> remove(const std::vector<std::string>& path) {
    if (path.empty()) return fail("cannot remove the whole document");
    Json* parent = resolve(doc_, path, path.size() - 1);
    if (!parent) return fail("path does not exist");
    const auto& last = path.back();
    if (parent->is_object()) {
      Json* v = parent->find(last);
      if (!v) return fail("path does not exist");
      Json out = std::move(*v);
      parent->erase(last);
      return out;
    }
    if (parent->is_array()) {
      auto& a = parent->as_array();
      auto i = array_index(last, a.size(), false);
      if (!i) return fail("array index '" + last + "' is out of range");
      Json out = std::move(a[*i]);
      a.erase(a.begin() + static_cast<std::ptrdiff_t>(*i));
      return out;
    }
    return fail("path does not exist");
  }

  Json* get(const std::vector<std::string>& path) { return resolve(doc_, path, path.size()); }

  Error fail(std::string why) const { return bad_request(prefix_ + why, "Parameters"); }
  void at(std::size_t index, std::string_view path) {
    prefix_ = "JSON Patch operation " + std::to_string(index) + " (path '" + std::string(path) + "'): ";
  }
  const std::string& prefix() const { return prefix_; }

 private:
  Json doc_;
  std::string prefix_;
};

}  // namespace

Result<Json> apply_json_patch(const Json& document, const Json& patch) {
  if (!patch.is_array()) return bad_request("A JSON Patch document must be a JSON array of operations");
  Patcher p(document);
  std::size_t index = 0;
  for (const Json& op : patch.as_array()) {
    std::string_view name = op.get_string("op");
    std::string_view path_text = op.get_string("path");
    p.at(index++, path_text);
    if (!op.is_object() || name.empty()) return p.fail("each operation must be an object with an 'op'");
    if (!op.find("path") || !op.find("path")->is_string()) return p.fail("'path' is required");
    auto path = split_pointer(path_text);
    if (!path) return p.fail("'path' is not a valid JSON Pointer");

    auto from_path = [&]() -> std::optional<std::vector<std::string>> {
      const Json* f = op.find("from");
      if (!f || !f->is_string()) return std::nullopt;
      return split_pointer(f->as_string());
    };

    if (name == "add" || name == "replace" || name == "test") {
      const Json* value = op.find("value");
      if (!value) return p.fail("'value' is required for '" + std::string(name) + "'");
      if (name == "add") {
        if (auto s = p.add(*path, *value); !s) return std::move(s).error();
      } else if (name == "replace") {
        Json* target = p.get(*path);
        if (!target) return p.fail("path does not exist");
        *target = *value;
      } else {
        Json* target = p.get(*path);
        if (!target || !target->equals(*value, false))
          return Error(422, "processing", p.prefix() + "test failed", "Parameters");
      }
    } else if (name == "remove") {
      if (auto r = p.remove(*path); !r) return std::move(r).error();
    } else if (name == "move" || name == "copy") {
      auto from = from_path();
      if (!from) return p.fail("'from' is required and must be a JSON Pointer");
      if (name == "move" && from->size() < path->size() &&
          std::equal(from->begin(), from->end(), path->begin()))
        return p.fail("cannot move a value into one of its own children");
      Json value;
      if (name == "move") {
        auto r = p.remove(*from);
        if (!r) return std::move(r).error();
        value = std::move(*r);
      } else {
        Json* src = p.get(*from);
        if (!src) return p.fail("'from' path does not exist");
        value = *src;
      }
      if (auto s = p.add(*path, std::move(value)); !s) return std::move(s).error();
    } else {
      return p.fail("unknown operation '" + std::string(name) + "'");
    }
  }
  return p.take();
}

}  // namespace parcours::fhir
