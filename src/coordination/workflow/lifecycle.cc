#include "coordination/workflow/lifecycle.h"

#include <algorithm>
#include <array>
#include <initializer_list>

namespace parcours::coordination {

namespace {

struct Edge {
  std::string_view from;
  std::initializer_list<std::string_view> to;
};

// entered-in-error is added to every row by next(): any record may be
// retracted as a mistake.
constexpr std::string_view kError = "entered-in-error";

const std::array kTask{
    Edge{"draft", {"requested", "cancelled"}},
    Edge{"requested", {"received", "accepted", "rejected", "ready", "in-progress", "cancelled"}},
    Edge{"received", {"accepted", "rejected", "ready", "in-progress", "cancelled"}},
    Edge{"accepted", {"ready", "in-progress", "cancelled"}},
    Edge{"ready", {"in-progress", "completed", "failed", "cancelled"}},
    Edge{"in-progress", {"on-hold", "completed", "failed", "cancelled"}},
    Edge{"on-hold", {"in-progress", "failed", "cancelled"}},
    Edge{"rejected", {}},
    Edge{"cancelled", {}},
    Edge{"completed", {}},
    Edge{"failed", {}},
    Edge{"entered-in-error", {}},
};

const std::array kEpisode{
    Edge{"planned", {"waitlist", "active", "cancelled"}},
    Edge{"waitlist", {"planned", "active", "cancelled"}},
    Edge{"active", {"onhold", "finished", "cancelled"}},
    Edge{"onhold", {"active", "finished", "cancelled"}},
    Edge{"finished", {"active"}},   // reopened
    Edge{"cancelled", {"active"}},  // reopened
    Edge{"entered-in-error", {}},
};

// "active" is listed as reachable from draft and on-hold; the rules add the
// GP-validation condition on draft → active.
const std::array kPps{
    Edge{"draft", {"active", "revoked"}},
    Edge{"active", {"on-hold", "draft", "completed", "revoked"}},
    Edge{"on-hold", {"active", "draft", "completed", "revoked"}},
    Edge{"completed", {}},
    Edge{"revoked", {}},
    Edge{"entered-in-error", {}},
    Edge{"unknown", {"draft"}},
};

template <std::size_t N>
std::vector<std::string_view> next(const std::array<Edge, N>& table, std::string_view from) {
  std::vector<std::string_view> out;
  for (const auto& e : table)
    if (e.from == from) out.assign(e.to.begin(), e.to.end());
  if (from != kError) out.push_back(kError);
  return out;
}

template <std::size_t N>
bool allowed(const std::array<Edge, N>& table, std::string_view from, std::string_view to) {
  if (from == to) return true;  // an edit that keeps the status
  auto n = next(table, from);
  return std::find(n.begin(), n.end(), to) != n.end();
}

}  // namespace

bool task_transition_allowed(std::string_view from, std::string_view to) { return allowed(kTask, from, to); }
bool task_terminal(std::string_view s) {
  return s == "completed" || s == "cancelled" || s == "rejected" || s == "failed" || s == kError;
}
bool episode_transition_allowed(std::string_view from, std::string_view to) {
  return allowed(kEpisode, from, to);
}
bool episode_closed(std::string_view s) { return s == "finished" || s == "cancelled"; }
bool pps_transition_allowed(std::string_view from, std::string_view to) { return allowed(kPps, from, to); }

std::vector<std::string_view> task_next(std::string_view from) { return next(kTask, from); }
std::vector<std::string_view> episode_next(std::string_view from) { return next(kEpisode, from); }
std::vector<std::string_view> pps_next(std::string_view from) { return next(kPps, from); }

}  // namespace parcours::coordination
