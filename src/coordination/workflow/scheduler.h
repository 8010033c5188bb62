// Follow-up that nobody has to remember: the scheduler finds what is late
// and tells the person in charge (seed 003 [226]: follow-up and
// re-assessment are where coordination is lost).
//
// One pass (run_follow_up):
// - every open Task past its due date (Task.restriction.period.end, the
//   search parameter "due-date" shipped in content/coordination/) is marked
//   late (businessStatus "en-retard") and escalated to the case manager of
//   the patient's open coordination dossier (EpisodeOfCare.careManager),
//   else to whoever asked for the Task: a Communication, once per Task;
// - every active PPS past its review date (CarePlan.period.end) gets a
//   re-assessment Task for the case manager, due in 14 days, once.
// Each Task's changes and messages are one atomic unit, audited as the
// scheduler's. A pass is idempotent: run it as often as you like.
//
// The server runs a pass every few minutes (Scheduler); administrators can
// run one at once with POST /fhir/$follow-up.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "base/result.h"
#include "store/store.h"

namespace parcours::coordination {

struct FollowUpReport {
  int overdue_tasks = 0;    // newly found late and escalated
  int reviews_due = 0;      // re-assessment Tasks created
  int already_handled = 0;  // late ones escalated by an earlier pass
};

Result<FollowUpReport> run_follow_up(store::Store& store, store::Micros now);

// Runs run_follow_up every `interval_seconds` on its own thread, with the
// security clock (test hook aware), until stopped or destroyed.
class Scheduler {
 public:
  Scheduler(store::Store& store, int interval_seconds);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  void stop();

 private:
  void loop();
  store::Store& store_;
  int interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace parcours::coordination
