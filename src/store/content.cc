#include "store/content.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace parcours::store {
namespace {

std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

std::size_t member_index(const Json::Object& o, std::string_view key) {
  for (std::size_t i = 0; i < o.size(); ++i)
    if (o[i].first == key) return i;
  return o.size();
}

// Where the stamps go: into meta if there is one, else a new meta right after
// id (set_stamps and prepare_content must agree).
std::size_t new_meta_position(const Json::Object& o) { return std::min(member_index(o, "id") + 1, o.size()); }

void append_member(std::string& out, const Json::Member& m) {
  append_json_string(out, m.first);
  out.push_back(':');
  m.second.dump_to(out);
}

}  // namespace

std::uint64_t hash64(std::string_view s) {
  constexpr std::uint64_t k1 = 0x9E3779B97F4A7C15ull;
  constexpr std::uint64_t k2 = 0xD6E8FEB86659FD93ull;
  std::uint64_t h = static_cast<std::uint64_t>(s.size()) * k1;
  std::size_t i = 0;
  auto round = [&](std::uint64_t w) { h = rotl(h ^ (w * k2), 29) * k1; };
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    round(w);
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  round(tail ^ 0xFF);
  h ^= h >> 32;
  h *= 0xE7037ED1A0B428DBull;
  h ^= h >> 29;
  h *= 0x8EBC6AF09C88C6E3ull;
  h ^= h >> 32;
  return h;
}

void canonical(const Json& j, std::string& out) {
  if (j.is_array()) {
    out.push_back('[');
    bool first = true;
    for (const auto& item : j.as_array()) {
      if (!first) out.push_back(',');
      first = false;
      canonical(item, out);
    }
    out.push_back(']');
  } else if (j.is_object()) {
    const auto& o = j.as_object();
    std::vector<const Json::Member*> members;
    members.reserve(o.size());
    for (const auto& m : o) members.push_back(&m);
    std::sort(members.begin(), members.end(),
              [](const Json::Member* a, const Json::Member* b) { return a->first < b->first; });
    out.push_back('{');
    bool first = true;
    for (const auto* m : members) {
      if (!first) out.push_back(',');
      first = false;
      append_json_string(out, m->first);
      out.push_back(':');
      canonical(m->second, out);
    }
    out.push_back('}');
  } else {
    j.dump_to(out);
  }
}

Status strip_stamps(Json& resource) {
  Json* meta = resource.find("meta");
  if (!meta) return Status::Ok();
  if (!meta->is_object()) return bad_request("meta must be a JSON object", "meta");
  meta->erase("versionId");
  meta->erase("lastUpdated");
  if (meta->size() == 0) resource.erase("meta");
  return Status::Ok();
}

void insert_id(Json& resource, std::string_view id) {
  auto& o = resource.as_object();
  std::size_t at = std::min(member_index(o, "resourceType") + 1, o.size());
  o.insert(o.begin() + static_cast<std::ptrdiff_t>(at), Json::Member("id", Json(id)));
}

void set_stamps(Json& resource, std::int64_t version, Micros t) {
  Json::Object stamps;
  stamps.emplace_back("versionId", Json(std::to_string(version)));
  stamps.emplace_back("lastUpdated", Json(format_instant(t)));
  if (Json* meta = resource.find("meta")) {
    auto& m = meta->as_object();
    m.insert(m.begin(), std::make_move_iterator(stamps.begin()), std::make_move_iterator(stamps.end()));
    return;
  }
  auto& o = resource.as_object();
  o.insert(o.begin() + static_cast<std::ptrdiff_t>(new_meta_position(o)),
           Json::Member("meta", Json(std::move(stamps))));
}

Status prepare_content(Json& resource, PreparedContent& out) {
  if (!resource.is_object()) return bad_request("a resource must be a JSON object");
  if (auto s = strip_stamps(resource); !s) return s;
  out.canonical.clear();
  out.canonical.reserve(1024);
  canonical(resource, out.canonical);
  out.hash = static_cast<std::int64_t>(hash64(out.canonical));

  // The body around the stamps, written as Json::dump() writes it (compact).
  const auto& o = resource.as_object();
  const std::size_t meta = member_index(o, "meta");  // after strip_stamps: absent or not empty
  const std::size_t at = meta < o.size() ? meta : new_meta_position(o);
  out.head.clear();
  out.head.push_back('{');
  for (std::size_t i = 0; i < at; ++i) {
    append_member(out.head, o[i]);
    out.head.push_back(',');
  }
  out.head += "\"meta\":{";
  out.tail.clear();
  std::size_t rest = at;
  if (meta < o.size()) {
    for (const auto& m : o[meta].second.as_object()) {
      out.tail.push_back(',');
      append_member(out.tail, m);
    }
    rest = meta + 1;
  }
  out.tail.push_back('}');
  for (std::size_t i = rest; i < o.size(); ++i) {
    out.tail.push_back(',');
    append_member(out.tail, o[i]);
  }
  out.tail.push_back('}');
  return Status::Ok();
}

std::string PreparedContent::body(std::int64_t version, Micros t) const {
  std::string out;
  out.reserve(head.size() + tail.size() + 64);
  out += head;
  out += "\"versionId\":\"";
  out += std::to_string(version);
  out += "\",\"lastUpdated\":\"";
  out += format_instant(t);
  out.push_back('"');
  out += tail;
  return out;
}

}  // namespace parcours::store
