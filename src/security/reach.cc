#include "security/reach.h"

#include <algorithm>

namespace parcours::security {
namespace {

bool professional(const AccessContext& ctx) {
  return !ctx.system && (ctx.role_class == RoleClass::Health || ctx.role_class == RoleClass::Social ||
                         ctx.role_class == RoleClass::Staff);
}

// Everything relationship() reads of the caller: two callers with the same key
// reach the same patients.
std::string key_of(const AccessContext& ctx) {
  std::string k = ctx.account;
  for (const auto* list : {&ctx.principals, &ctx.identities}) {
    k += '\n';
    for (const auto& p : *list) (k += p) += '\t';
  }
  return k;
}

}  // namespace

Result<std::shared_ptr<const store::PatientReach>> build_reach(const AccessContext& ctx,
                                                               store::Reader& reader,
                                                               std::int64_t generation) {
  auto facts = reader.reach_facts(ctx.principals, ctx.account, ctx.now);
  if (!facts) return std::move(facts).error();
  auto reach = std::make_shared<store::PatientReach>();
  reach->generation = generation;
  reach->valid_from = ctx.now;
  reach->valid_until = store::kEndOfTime;
  for (auto& f : *facts) {
    // The reach holds until the next moment a fact starts or ends.
    if (f.start > ctx.now) reach->valid_until = std::min(reach->valid_until, f.start);
    if (f.end > ctx.now) reach->valid_until = std::min(reach->valid_until, f.end);
    std::string patient = f.patient;
    reach->entries[patient].facts.push_back(std::move(f));
  }
  for (auto& [patient, entry] : reach->entries) {
    auto r = Policy::relationship(ctx, entry.facts);
    if (r != Policy::Relationship::Granted && r != Policy::Relationship::BreakGlass)
      entry.flag = store::PatientReach::kNone;
    else
      entry.flag =
          Policy::any_mask(entry.facts, ctx.now) ? store::PatientReach::kMasked : store::PatientReach::kOpen;
  }
  store::register_reach(reach);
  return std::shared_ptr<const store::PatientReach>(std::move(reach));
}

Result<std::shared_ptr<const store::PatientReach>> ReachCache::get(const AccessContext& ctx,
                                                                   store::Reader& reader) {
  using Out = std::shared_ptr<const store::PatientReach>;
  if (!professional(ctx)) return Out();
  auto generation = reader.access_generation();
  if (!generation) return std::move(generation).error();
  if (!*generation) return Out();
  std::string key = key_of(ctx);
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && it->second->generation == **generation && it->second->valid_from <= ctx.now &&
        ctx.now < it->second->valid_until)
      return it->second;
  }
  auto built = build_reach(ctx, reader, **generation);
  if (!built) return built;
  std::lock_guard lock(mu_);
  if (cache_.size() >= capacity_) cache_.clear();  // rare: more active callers than the capacity
  cache_[key] = *built;
  return built;
}

}  // namespace parcours::security
