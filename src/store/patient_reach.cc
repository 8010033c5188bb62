// The registry behind PatientReach::handle(): SQL cannot carry a pointer
// through the parameters the policy binds (integers and text), so a reach is
// named by a number while it lives. An unknown number reaches nobody.
#include <atomic>
#include <mutex>
#include <unordered_map>

#include "store/security_store.h"

namespace parcours::store {
namespace {

struct Registry {
  std::mutex mu;
  std::unordered_map<std::int64_t, std::weak_ptr<const PatientReach>> live;
  std::atomic<std::int64_t> next{1};
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

PatientReach::PatientReach() : handle_(registry().next.fetch_add(1)) {}

PatientReach::~PatientReach() {
  std::lock_guard lock(registry().mu);
  registry().live.erase(handle_);
}

const PatientReach::Entry* PatientReach::find(std::string_view patient) const {
  auto it = entries.find(patient);
  return it == entries.end() ? nullptr : &it->second;
}

void register_reach(const std::shared_ptr<const PatientReach>& reach) {
  std::lock_guard lock(registry().mu);
  registry().live[reach->handle()] = reach;
}

std::shared_ptr<const PatientReach> find_reach(std::int64_t handle) {
  std::lock_guard lock(registry().mu);
  auto it = registry().live.find(handle);
  return it == registry().live.end() ? nullptr : it->second.lock();
}

}  // namespace parcours::store
