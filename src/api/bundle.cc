#include "api/bundle.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "api/interactions.h"
#include "api/query_string.h"
#include "api/rendering.h"
#include "api/search_api.h"
#include "fhir/base64.h"
#include "fhir/operation_outcome.h"
#include "fhir/reference.h"

namespace parcours::api {
namespace {

// A parsed Bundle.entry.request.
struct EntryRequest {
  std::size_t index = 0;  // position in Bundle.entry
  std::string method;     // GET HEAD POST PUT PATCH DELETE
  std::string type;
  std::string id;             // may be empty (POST)
  std::string version;        // GET .../_history/v
  std::string query;          // search (GET) or condition (PUT, DELETE: R4 §3.1.0.11.2)
  std::string if_none_exist;  // conditional create (request.ifNoneExist)
  std::optional<std::int64_t> if_match;
  std::vector<std::string> conditional_ids;  // DELETE [type]?query: the matches
  bool existing = false;                     // conditional create matched: no write
  const Json* resource = nullptr;            // entry.resource (Binary for PATCH)
  std::string full_url;
  Json prepared;  // resource after id assignment and reference rewriting
};

std::string at(std::size_t i) { return "Bundle.entry[" + std::to_string(i) + "]"; }

// Prefixes every issue expression with the entry's location so a client sees
// e.g. "Bundle.entry[2].resource.birthDate".
Error locate(Error e, std::size_t i, std::string_view part) {
  for (auto& issue : e.issues()) {
    std::string where = at(i) + std::string(part);
    if (!issue.expression.empty()) {
      // Resource-relative expressions start with the type name ("Patient.x").
      auto dot = issue.expression.find('.');
      where += dot == std::string::npos ? "" : issue.expression.substr(dot);
    }
    issue.expression = where;
  }
  return e;
}

Result<EntryRequest> parse_entry(const Json& entry, std::size_t i, std::string_view base_url) {
  EntryRequest r;
  r.index = i;
  if (!entry.is_object()) return bad_request("Each entry must be an object", at(i));
  const Json* request = entry.find("request");
  if (!request || !request->is_object()) return bad_request("entry.request is required", at(i) + ".request");
  r.method = std::string(request->get_string("method"));
  static const std::set<std::string, std::less<>> kMethods{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
  if (!kMethods.contains(r.method))
    return bad_request("entry.request.method must be GET, HEAD, POST, PUT, PATCH or DELETE",
                       at(i) + ".request.method");
  std::string url(request->get_string("url"));
  if (url.empty()) return bad_request("entry.request.url is required", at(i) + ".request.url");
  if (!base_url.empty() && url.starts_with(base_url)) url = url.substr(base_url.size());
  auto q = url.find('?');
  if (q != std::string::npos) {
    r.query = url.substr(q + 1);
    url.resize(q);
  }
  auto segs = split_path(url);
  if (!segs || segs->empty()) return bad_request("Malformed entry.request.url", at(i) + ".request.url");
  auto& s = *segs;
  r.type = s[0];
  if (auto st = check_type(r.type); !st) return locate(std::move(st).error(), i, ".request.url");
  if (s.size() >= 2) r.id = s[1];
  if (s.size() == 4 && s[2] == "_history") r.version = s[3];
  if (s.size() > 4 || s.size() == 3 || (s.size() == 4 && s[2] != "_history"))
    return bad_request("Unsupported entry.request.url '" + url + "'", at(i) + ".request.url");
  if (!r.id.empty())
    if (auto st = check_id(r.id, at(i) + ".request.url"); !st) return std::move(st).error();
  bool needs_id = r.method == "PATCH" || ((r.method == "PUT" || r.method == "DELETE") && r.query.empty());
  if (!r.query.empty() && (r.method == "POST" || r.method == "PATCH"))
    return Error(400, "not-supported",
                 r.method + " takes no query; use request.ifNoneExist for a conditional create",
                 at(i) + ".request.url");
  if (!r.query.empty() && !r.id.empty())
    return bad_request("A conditional url is Type?query, without an id", at(i) + ".request.url");
  r.if_none_exist = std::string(request->get_string("ifNoneExist"));
  if (!r.if_none_exist.empty() && r.if_none_exist.front() == '?') r.if_none_exist.erase(0, 1);
  if (!r.if_none_exist.empty() && r.method != "POST")
    return bad_request("ifNoneExist applies to POST only", at(i) + ".request.ifNoneExist");
  if (needs_id && r.id.empty())
    return bad_request(r.method + " needs a url of the form Type/id", at(i) + ".request.url");
  if (r.method == "POST" && !r.id.empty())
    return bad_request("POST takes a url of the form Type", at(i) + ".request.url");
  if (auto h = request->get_string("ifMatch"); !h.empty()) {
    auto m = parse_if_match(h);
    if (!m) return locate(std::move(m).error(), i, ".request.ifMatch");
    r.if_match = *m;
  }
  r.full_url = std::string(entry.get_string("fullUrl"));
  r.resource = entry.find("resource");
  bool needs_body = r.method == "POST" || r.method == "PUT" || r.method == "PATCH";
  if (needs_body && !r.resource) return bad_request(r.method + " needs entry.resource", at(i) + ".resource");
  return r;
}

// Resolves a conditional reference "Type?query" (any search the server
// supports) against the store; exactly one match is required (R4 §3.1.0.11.2).
Result<std::string> resolve_conditional(const security::RequestContext& ctx, store::Reader& r,
                                        std::string_view ref, const std::string& where,
                                        const std::string& base_url) {
  auto q = ref.find('?');
  std::string type(ref.substr(0, q));
  auto ids = matching_ids(ctx, r, type, ref.substr(q + 1), 2, base_url);
  if (!ids) {
    Error e = std::move(ids).error();
    for (auto& issue : e.issues()) {
      issue.diagnostics = "Conditional reference '" + std::string(ref) + "': " + issue.diagnostics;
      issue.expression = where;
    }
    return e;
  }
  if (ids->empty())
    return Error(404, "not-found", "Conditional reference '" + std::string(ref) + "' matches no resource",
                 where);
  if (ids->size() > 1)
    return Error(412, "multiple-matches",
                 "Conditional reference '" + std::string(ref) + "' matches " + std::to_string(ids->size()) +
                     " resources",
                 where);
  return type + "/" + ids->front();
}

// The identity of a conditional entry, decided inside the write unit (R4
// §3.1.0.11.2, §3.1.0.8): a conditional create matching one resource does
// not write; a conditional update takes the match's id (or creates); a
// conditional delete deletes its matches. Several matches are 412 for
// create and update.
Status resolve_identity(const security::RequestContext& ctx, store::Writer& w, EntryRequest& e,
                        const std::string& base_url) {
  constexpr int kMaxDeleted = 100;
  if (e.method == "POST" && !e.if_none_exist.empty()) {
    auto ids = matching_ids(ctx, w, e.type, e.if_none_exist, 2, base_url);
    if (!ids) return locate(std::move(ids).error(), e.index, ".request.ifNoneExist");
    if (ids->size() > 1)
      return Error(412, "multiple-matches", "ifNoneExist matches several " + e.type + " resources",
                   at(e.index) + ".request.ifNoneExist");
    if (ids->size() == 1) {
      e.id = ids->front();
      e.existing = true;
    }
  } else if (e.method == "PUT" && !e.query.empty()) {
    auto ids = matching_ids(ctx, w, e.type, e.query, 2, base_url);
    if (!ids) return locate(std::move(ids).error(), e.index, ".request.url");
    if (ids->size() > 1)
      return Error(412, "multiple-matches", "The condition matches several " + e.type + " resources",
                   at(e.index) + ".request.url");
    std::string_view body_id = e.prepared.get_string("id");
    if (ids->size() == 1) {
      if (!body_id.empty() && body_id != ids->front())
        return bad_request("The resource id is not the id of the match (" + ids->front() + ")",
                           at(e.index) + ".resource.id");
      e.id = ids->front();
    } else {
      e.id = body_id.empty() ? e.id : std::string(body_id);  // e.id: pre-assigned new id
    }
    e.prepared.set("id", e.id);
  } else if (e.method == "DELETE" && !e.query.empty()) {
    auto ids = matching_ids(ctx, w, e.type, e.query, kMaxDeleted + 1, base_url);
    if (!ids) return locate(std::move(ids).error(), e.index, ".request.url");
    if (static_cast<int>(ids->size()) > kMaxDeleted)
      return Error(412, "too-costly",
                   "The condition matches more than " + std::to_string(kMaxDeleted) + " resources",
                   at(e.index) + ".request.url");
    e.conditional_ids = std::move(*ids);
  }
  return Status::Ok();
}

Json response_entry(const InteractionResult& res, const BundleOptions& opt) {
  Json entry = Json::object();
  if (res.version && !res.version->deleted && res.status != 204) {
    entry.set("fullUrl", opt.base_url + "/" + res.version->type + "/" + res.version->id);
    if (opt.return_resources) {
      if (auto body = parse_json(res.version->body)) entry.set("resource", std::move(*body));
    }
  }
  Json response = Json::object();
  response.set("status", status_line(res.status));
  if (res.version) {
    const auto& v = *res.version;
    if (res.status == 201)
      response.set("location", v.type + "/" + v.id + "/_history/" + std::to_string(v.version));
    response.set("etag", "W/\"" + std::to_string(v.version) + "\"");
    response.set("lastModified", store::format_instant(v.last_updated));
  }
  const bool searchset = !res.version && res.outcome && res.outcome->get_string("resourceType") == "Bundle";
  if (searchset) entry.set("resource", *res.outcome);
  if (opt.return_outcome && res.outcome && !searchset) response.set("outcome", *res.outcome);
  entry.set("response", std::move(response));
  return entry;
}

Json error_entry(const Error& e) {
  Json entry = Json::object();
  Json response = Json::object();
  response.set("status", status_line(e.status()));
  response.set("outcome", fhir::operation_outcome(e));
  entry.set("response", std::move(response));
  return entry;
}

// Runs one entry against a writer (transaction) — or a store (batch).
Result<InteractionResult> run_entry(const security::RequestContext& ctx, store::Writer& w, EntryRequest& e,
                                    const std::string& base_url) {
  if (e.method == "GET" || e.method == "HEAD") {
    if (e.id.empty()) {
      // A search entry (R4 §3.1.0.11.1): the response carries a searchset.
      SearchCall call;
      call.types = {e.type};
      auto params = form_params(e.query);
      if (!params) return locate(std::move(params).error(), e.index, ".request.url");
      call.params = std::move(*params);
      call.base_url = base_url;
      call.path_url = base_url + "/" + e.type;
      auto text = search(ctx, w, call);
      if (!text) return locate(std::move(text).error(), e.index, ".request.url");
      auto bundle = parse_json(*text);
      if (!bundle) return std::move(bundle).error();
      InteractionResult r;
      r.status = 200;
      r.outcome = std::move(*bundle);  // a searchset: response_entry makes it entry.resource
      return r;
    }
    auto r = e.version.empty() ? read(ctx, w, e.type, e.id) : vread(ctx, w, e.type, e.id, e.version);
    if (!r) return locate(std::move(r).error(), e.index, ".request");
    return r;
  }
  Result<InteractionResult> r = Error();
  if (e.method == "POST" && e.existing) {
    r = read(ctx, w, e.type, e.id);  // conditional create matched: 200 with it
    if (r) r->status = 200;
  } else if (e.method == "DELETE" && !e.query.empty()) {
    InteractionResult out;
    out.status = 204;
    for (const auto& id : e.conditional_ids) {
      auto one = remove(ctx, w, e.type, id, std::nullopt);
      if (!one) return locate(std::move(one).error(), e.index, "");
      if (one->version) out.status = 200;
    }
    r = std::move(out);
  } else if (e.method == "POST") {
    r = create(ctx, w, e.type, e.id, std::move(e.prepared));
  } else if (e.method == "PUT") {
    r = update(ctx, w, e.type, e.id, std::move(e.prepared), e.if_match);
  } else if (e.method == "PATCH") {
    r = patch(ctx, w, e.type, e.id, e.prepared, e.if_match);
  } else {
    r = remove(ctx, w, e.type, e.id, e.if_match);
    if (r && !r->version) r->status = 204;  // nothing to delete
  }
  if (!r) return locate(std::move(r).error(), e.index, "");
  return r;
}

// The body of a PATCH entry: a Binary holding a JSON Patch (R4 §3.1.0.11.1).
Result<Json> patch_body(const Json& resource, std::size_t i) {
  if (resource.get_string("resourceType") != "Binary")
    return Error(400, "not-supported", "PATCH entries must carry a Binary with a JSON Patch",
                 at(i) + ".resource");
  std::string_view data = resource.get_string("data");
  auto decoded = fhir::base64_decode(data);
  if (!decoded) return bad_request("Binary.data is not valid base64", at(i) + ".resource.data");
  auto json = parse_json(*decoded);
  if (!json) return locate(std::move(json).error(), i, ".resource.data");
  return std::move(json).value();
}

Status prepare_bodies(std::vector<EntryRequest>& entries) {
  for (auto& e : entries) {
    if (!e.resource) continue;
    if (e.method == "PATCH") {
      auto p = patch_body(*e.resource, e.index);
      if (!p) return std::move(p).error();
      e.prepared = std::move(*p);
      continue;
    }
    if (auto s = check_resource(*e.resource, e.type); !s)
      return locate(std::move(s).error(), e.index, ".resource");
    e.prepared = *e.resource;
  }
  return {};
}

Result<Json> run_transaction(const security::RequestContext& ctx, store::Store& store,
                             std::vector<EntryRequest>& entries, const BundleOptions& opt) {
  // New ids for creates (and conditional updates that will not match).
  for (auto& e : entries)
    if (e.method == "POST" || (e.method == "PUT" && !e.query.empty())) e.id = store.new_id();
  if (auto s = prepare_bodies(entries); !s) return std::move(s).error();
  // Identities: fullUrls map to their final references once conditional
  // entries are resolved, inside the unit.
  std::map<std::string, std::string, std::less<>> mapped;  // fullUrl -> Type/id
  auto map_identities = [&]() -> Status {
    std::set<std::string> touched;  // Type/id written
    for (auto& e : entries) {
      if (e.method == "GET" || e.method == "HEAD") continue;
      std::vector<std::string> targets;
      if (e.method == "DELETE" && !e.query.empty()) {
        for (const auto& id : e.conditional_ids) targets.push_back(e.type + "/" + id);
      } else {
        targets.push_back(e.type + "/" + e.id);
      }
      for (const auto& target : targets)
        if (!touched.insert(target).second)
          return bad_request(
              "Two entries of the transaction act on " + target + " (R4 §3.1.0.11.2 forbids it)",
              at(e.index));
      if (!e.full_url.empty() && !targets.empty()) {
        if (!mapped.emplace(e.full_url, targets.front()).second)
          return bad_request("Duplicate fullUrl '" + e.full_url + "'", at(e.index) + ".fullUrl");
      }
    }
    return Status::Ok();
  };

  std::vector<Json> responses(entries.size());
  // Processing order mandated by R4 §3.1.0.11.2: DELETE, POST, PUT/PATCH, GET/HEAD.
  auto rank = [](const std::string& m) {
    return m == "DELETE" ? 0 : m == "POST" ? 1 : (m == "PUT" || m == "PATCH") ? 2 : 3;
  };
  std::vector<EntryRequest*> order;
  for (auto& e : entries) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(),
                   [&](auto* a, auto* b) { return rank(a->method) < rank(b->method); });

  Status st = store.write([&](store::Writer& w) -> Status {
    for (auto& e : entries)
      if (auto s = resolve_identity(ctx, w, e, opt.base_url); !s) return s;
    if (auto s = map_identities(); !s) return s;
    // Rewrite references now that every identity is known; conditional
    // references are resolved inside the unit so they see a consistent store.
    for (auto& e : entries) {
      if (e.method != "POST" && e.method != "PUT") continue;
      // A Bundle stored as a resource (a document, a message) resolves its
      // own urn:uuid references against its own entries: leave them alone.
      if (e.type == "Bundle") continue;
      Status s;
      fhir::for_each_reference(
          e.prepared, at(e.index) + ".resource", [&](std::string& ref, const std::string& where) {
            if (auto it = mapped.find(ref); it != mapped.end()) {
              ref = it->second;
            } else if (ref.starts_with("urn:uuid:") || ref.starts_with("urn:oid:")) {
              s = bad_request("Reference '" + ref + "' matches no fullUrl in the transaction", where);
            } else if (fhir::is_conditional_reference(ref)) {
              auto resolved = resolve_conditional(ctx, w, ref, where, opt.base_url);
              if (!resolved)
                s = std::move(resolved).error();
              else
                ref = std::move(*resolved);
            }
            return s.ok();
          });
      if (!s) return s;
    }
    for (auto* e : order) {
      auto r = run_entry(ctx, w, *e, opt.base_url);
      if (!r) return std::move(r).error();
      responses[e->index] = response_entry(*r, opt);
    }
    return {};
  });
  if (!st) return std::move(st).error();
  Json out = Json::object();
  out.set("resourceType", "Bundle");
  out.set("type", "transaction-response");
  Json list = Json::array();
  for (auto& r : responses) list.push_back(std::move(r));
  out.set("entry", std::move(list));
  return out;
}

Json run_batch(const security::RequestContext& ctx, store::Store& store, const Json& raw_entries,
               const BundleOptions& opt, std::string_view base_url) {
  Json list = Json::array();
  std::size_t i = 0;
  for (const Json& raw : raw_entries.as_array()) {
    auto parsed = parse_entry(raw, i, base_url);
    ++i;
    if (!parsed) {
      list.push_back(error_entry(parsed.error()));
      continue;
    }
    std::vector<EntryRequest> one{std::move(*parsed)};
    EntryRequest& e = one.front();
    if (e.method == "POST" || (e.method == "PUT" && !e.query.empty())) e.id = store.new_id();
    if (auto s = prepare_bodies(one); !s) {
      list.push_back(error_entry(s.error()));
      continue;
    }
    Result<InteractionResult> result = Error();
    Status st = store.write([&](store::Writer& w) -> Status {
      if (auto s = resolve_identity(ctx, w, e, opt.base_url); !s) {
        result = std::move(s).error();
        return result.error();
      }
      result = run_entry(ctx, w, e, opt.base_url);
      return result ? Status() : Status(result.error());
    });
    if (!st) {
      list.push_back(error_entry(st.error()));
    } else {
      list.push_back(response_entry(*result, opt));
    }
  }
  Json out = Json::object();
  out.set("resourceType", "Bundle");
  out.set("type", "batch-response");
  out.set("entry", std::move(list));
  return out;
}

}  // namespace

Result<Json> process_bundle(const security::RequestContext& ctx, store::Store& store, const Json& bundle,
                            const BundleOptions& options) {
  std::string_view type = bundle.get_string("type");
  if (type != "batch" && type != "transaction")
    return bad_request("Only Bundles of type 'batch' or 'transaction' can be posted to the base URL",
                       "Bundle.type");
  static const Json kEmpty = Json::array();
  const Json* entries = bundle.find("entry");
  if (!entries) entries = &kEmpty;
  if (!entries->is_array()) return bad_request("Bundle.entry must be an array", "Bundle.entry");
  if (type == "batch") return run_batch(ctx, store, *entries, options, options.base_url + "/");

  std::vector<EntryRequest> parsed;
  std::size_t i = 0;
  for (const Json& raw : entries->as_array()) {
    auto e = parse_entry(raw, i++, options.base_url + "/");
    if (!e) return std::move(e).error();
    parsed.push_back(std::move(*e));
  }
  return run_transaction(ctx, store, parsed, options);
}

}  // namespace parcours::api
