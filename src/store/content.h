// What put() stores for a resource, computed apart from the write itself so
// that bulk loads can do it on their worker threads (the store's single
// writer thread is their critical path: docs/performance.md).
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "fhir/json.h"
#include "store/store.h"

namespace parcours::store {

// Drops meta.versionId / meta.lastUpdated (the store assigns them) and a meta
// left empty, so a client echoing old stamps does not count as a change.
Status strip_stamps(Json& resource);

// Adds `id` to a resource that has none, right after resourceType.
void insert_id(Json& resource, std::string_view id);

// Sets meta.versionId and meta.lastUpdated: first in meta; a new meta goes
// right after id, where FHIR examples put it.
void set_stamps(Json& resource, std::int64_t version, Micros t);

// Canonical text: compact, object members sorted by name (JSON member order
// carries no meaning), array order kept. Two resources are "identical" when
// their canonical texts without the store's stamps are equal.
void canonical(const Json& j, std::string& out);

// 64-bit non-cryptographic hash: stable across builds (it is stored), and only
// a filter: equal hashes are confirmed by comparing the canonical texts.
std::uint64_t hash64(std::string_view s);

// A resource without its stamps, ready to be stored: its content identity and
// its body text on both sides of the stamps, which only the writer knows.
struct PreparedContent {
  std::string canonical;  // canonical text (above)
  std::int64_t hash = 0;  // hash64(canonical)
  std::string head, tail;

  // The stored body: the resource's compact JSON with the stamps set, exactly
  // what set_stamps() then Json::dump() give.
  std::string body(std::int64_t version, Micros t) const;
};

// Strips `resource`'s stamps, then fills `out` from what is left. Fails only
// when the resource or its meta is not an object.
Status prepare_content(Json& resource, PreparedContent& out);

}  // namespace parcours::store
