#include "ingest/bulk_loader.h"

#include <unordered_map>

#include "fhir/definitions.h"
#include "fhir/reference.h"
#include "fhir/validator.h"

namespace parcours::ingest {
namespace {

struct Pending {
  Json resource;
  Source source;
  std::optional<Prepared> prepared;  // by the caller (prepare())
};

enum class Resolution { Resolved, NotYet, Failed };

}  // namespace

struct BulkLoader::Impl {
  store::Store& store;
  Options options;
  std::vector<Pending> batch;
  std::vector<Pending> deferred;
  std::unordered_map<std::string, std::string> resolved;  // conditional ref -> Type/id
  LoadCounts counts;
  std::vector<LoadError> errors;

  Impl(store::Store& s, Options o) : store(s), options(o) {}

  void fail(const Source& src, std::string reason) {
    ++counts.failed;
    if (errors.size() < options.max_errors_kept) errors.push_back({src, std::move(reason)});
  }

  // Resolves "Type?identifier=system|value" through the store's identifier
  // index (reads inside the unit see the unit's own writes).
  Resolution resolve(store::Writer& w, std::string& ref, std::string& why) {
    if (auto it = resolved.find(ref); it != resolved.end()) {
      ref = it->second;
      return Resolution::Resolved;
    }
    auto cond = fhir::parse_identifier_condition(ref);
    if (!cond) {
      why = "unsupported conditional reference '" + ref + "' (only Type?identifier=system|value)";
      return Resolution::Failed;
    }
    const std::string& type = cond->type;
    store::IdentifierKey key{cond->system, cond->value};
    auto ids = w.find_by_identifier(type, key);
    if (!ids) {
      why = ids.error().message();
      return Resolution::Failed;
    }
    if (ids->empty()) return Resolution::NotYet;
    if (ids->size() > 1) {
      why = "conditional reference '" + ref + "' matches " + std::to_string(ids->size()) + " resources";
      return Resolution::Failed;
    }
    if (resolved.size() > 200000) resolved.clear();  // bound memory on huge imports
    std::string target = type + "/" + ids->front();
    resolved.emplace(ref, target);
    ref = std::move(target);
    return Resolution::Resolved;
  }

  // Writes `items` in one unit. Items waiting for a reference target go to
  // `wait`; per-item failures are recorded and do not abort the unit.
  Status write(std::vector<Pending>& items, std::vector<Pending>& wait, bool last_chance) {
    if (items.empty()) return {};
    std::int64_t loaded = 0;
    std::vector<std::pair<Source, std::string>> failures;
    std::vector<Pending> waiting;
    Status st = store.write([&](store::Writer& w) -> Status {
      loaded = 0;
      failures.clear();
      waiting.clear();
      for (auto& item : items) {
        Resolution outcome = Resolution::Resolved;
        std::string why, missing;
        Json copy;
        Json* target = &item.resource;
        // Rewrite a copy only when something must change, so a deferred item
        // keeps its original references for the next attempt.
        const bool has_conditional = !item.prepared && fhir::has_conditional_reference(item.resource);
        if (has_conditional) {
          copy = item.resource;
          target = &copy;
          fhir::for_each_reference(copy, "", [&](std::string& r, const std::string&) {
            if (!fhir::is_conditional_reference(r)) return true;
            std::string original = r;
            outcome = resolve(w, r, why);
            if (outcome == Resolution::NotYet) missing = original;
            return outcome == Resolution::Resolved;
          });
        }
        if (outcome == Resolution::Failed) {
          failures.emplace_back(item.source, why);
          continue;
        }
        if (outcome == Resolution::NotYet) {
          if (last_chance)
            failures.emplace_back(item.source, "unresolved conditional reference '" + missing + "'");
          else
            waiting.push_back(Pending{item.resource, item.source, std::nullopt});
          continue;
        }
        std::string type(target->get_string("resourceType"));
        std::string id(target->get_string("id"));
        store::PutOptions opt;
        opt.method = "PUT";
        if (id.empty()) {
          id = store.new_id();
          opt.method = "POST";
        }
        // Prepared only when stored as given (an id, nothing to rewrite).
        if (item.prepared) {
          opt.index = &item.prepared->rows;
          opt.content = &item.prepared->content;
        }
        auto r = w.put(type, id, std::move(*target), opt);
        if (!r) {
          failures.emplace_back(item.source, r.error().message());
          continue;
        }
        ++loaded;
      }
      return {};
    });
    if (!st) return st;
    counts.loaded += loaded;
    for (auto& [src, why] : failures) fail(src, std::move(why));
    for (auto& p : waiting) wait.push_back(std::move(p));
    items.clear();
    return {};
  }
};

BulkLoader::BulkLoader(store::Store& store, Options options)
    : impl_(std::make_unique<Impl>(store, options)) {}
BulkLoader::~BulkLoader() = default;

std::optional<std::string> rejection_reason(const Json& resource) {
  if (!resource.is_object() || resource.get_string("resourceType").empty())
    return "not a FHIR resource (no resourceType)";
  auto issues = fhir::validate_resource(resource);
  if (issues.empty()) return std::nullopt;
  std::string why = issues.front().diagnostics;
  if (!issues.front().expression.empty()) why += " (at " + issues.front().expression + ")";
  if (issues.size() > 1) why += " and " + std::to_string(issues.size() - 1) + " more issue(s)";
  return why;
}

std::optional<Prepared> prepare(store::Store& store, Json& resource) {
  if (resource.get_string("id").empty() || fhir::has_conditional_reference(resource)) return std::nullopt;
  Prepared p;
  if (!store::prepare_content(resource, p.content)) return std::nullopt;  // put() will say why
  auto rows = store.index_rows(resource.get_string("resourceType"), resource);
  if (!rows) return std::nullopt;
  p.rows = std::move(*rows);
  return p;
}

Status BulkLoader::add(Json resource, Source source, bool already_checked, std::optional<Prepared> prepared) {
  auto& d = *impl_;
  if (!already_checked && d.options.validate) {
    if (auto why = rejection_reason(resource)) {
      d.fail(source, std::move(*why));
      return {};
    }
  }
  d.batch.push_back(Pending{std::move(resource), std::move(source), std::move(prepared)});
  if (d.batch.size() >= d.options.batch_size) return flush();
  return {};
}

Status BulkLoader::flush() {
  auto& d = *impl_;
  auto s = d.write(d.batch, d.deferred, false);
  d.counts.deferred = static_cast<std::int64_t>(d.deferred.size());
  return s;
}

Status BulkLoader::finish() {
  auto& d = *impl_;
  if (auto s = flush(); !s) return s;
  // Retry deferred items until no more resolve: a target may itself have
  // been deferred.
  while (!d.deferred.empty()) {
    std::size_t before = d.deferred.size();
    std::vector<Pending> retry;
    retry.swap(d.deferred);
    for (std::size_t i = 0; i < retry.size(); i += d.options.batch_size) {
      std::vector<Pending> chunk(
          std::make_move_iterator(retry.begin() + static_cast<std::ptrdiff_t>(i)),
          std::make_move_iterator(
              retry.begin() + static_cast<std::ptrdiff_t>(std::min(retry.size(), i + d.options.batch_size))));
      if (auto s = d.write(chunk, d.deferred, false); !s) return s;
    }
    if (d.deferred.size() == before) {
      std::vector<Pending> last;
      last.swap(d.deferred);
      if (auto s = d.write(last, d.deferred, true); !s) return s;
    }
  }
  d.counts.deferred = 0;
  return {};
}

LoadCounts BulkLoader::counts() const { return impl_->counts; }
const std::vector<LoadError>& BulkLoader::errors() const { return impl_->errors; }

}  // namespace parcours::ingest
