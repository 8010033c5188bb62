#include "coordination/workflow/scheduler.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>
#include <string>

#include "coordination/workflow/codes.h"
#include "coordination/workflow/feedback.h"
#include "fhir/values.h"
#include "search/engine.h"
#include "security/clock.h"

namespace parcours::coordination {

namespace {

using fhir::coding;
using fhir::concept_of;
using fhir::reference;

constexpr std::string_view kOpenTask = "requested,received,accepted,ready,in-progress,on-hold";
constexpr store::Micros kDay = 86'400'000'000LL;
constexpr int kPassLimit = 500;  // per kind and pass; the next pass takes the rest

std::string_view ref_at(const Json& r, std::string_view key) {
  const Json* j = r.find(key);
  return j ? j->get_string("reference") : std::string_view{};
}

Result<std::optional<Json>> read_json(store::Reader& reader, std::string_view type, std::string_view id) {
  auto v = reader.read(type, id);
  if (!v) return std::move(v).error();
  if (!*v || (*v)->deleted) return std::optional<Json>{};
  auto doc = parse_json((*v)->body);
  if (!doc)
    return internal_error("Stored resource " + std::string(type) + "/" + std::string(id) + " is unreadable");
  return std::optional<Json>{std::move(*doc)};
}

// The case manager of the patient's open coordination dossier, if any.
Result<std::string> case_manager(store::Reader& reader, std::string_view patient) {
  if (patient.empty()) return std::string();
  auto ids =
      search::find(reader, "EpisodeOfCare", "patient=" + std::string(patient) + "&status=active,onhold", 5);
  if (!ids) return std::move(ids).error();
  for (const auto& id : *ids) {
    auto ep = read_json(reader, "EpisodeOfCare", id);
    if (!ep) return std::move(ep).error();
    if (*ep)
      if (auto m = ref_at(**ep, "careManager"); !m.empty()) return std::string(m);
  }
  return std::string();
}

// Writes `r` as the scheduler, with its audit record, in unit `w`.
Status put_audited(store::Writer& w, std::string_view type, std::string_view id, Json r,
                   std::string_view patient, store::Micros now) {
  store::PutOptions opt;
  opt.method = "PUT";
  auto out = w.put(type, id, std::move(r), opt);
  if (!out) return std::move(out).error();
  if (!out->changed) return Status::Ok();
  store::AuditRecord rec;
  rec.recorded = now;
  rec.category = "rest";
  rec.action = out->created ? "C" : "U";
  rec.subtype = out->created ? "create" : "update";
  rec.outcome = "0";
  rec.agent = "parcours-scheduler";
  rec.agent_kind = "system";
  rec.agent_display = "Parcours (suivi automatique)";
  rec.patient = std::string(patient.substr(patient.find('/') + 1));
  rec.entities =
      std::string(type) + "/" + std::string(id) + "/_history/" + std::to_string(out->stored.version);
  return w.append_audit(rec);
}

Status escalate(store::Store& store, const std::string& task_id, store::Micros now, FollowUpReport& report) {
  return store.write([&](store::Writer& w) -> Status {
    auto t = read_json(w, "Task", task_id);
    if (!t) return std::move(t).error();
    if (!*t) return Status::Ok();
    Json task = std::move(**t);
    if (fhir::has_coding(task.find("businessStatus"), codes::kCoordinationTask, codes::kTaskLate)) {
      ++report.already_handled;
      return Status::Ok();
    }
    std::string patient(ref_at(task, "for"));
    auto manager = case_manager(w, patient);
    if (!manager) return std::move(manager).error();
    std::string to = manager->empty() ? std::string(ref_at(task, "requester")) : *manager;
    task.erase("meta");
    task.set("businessStatus", concept_of(coding(codes::kCoordinationTask, codes::kTaskLate, "En retard")));
    task.set("lastModified", Json(store::format_instant(now)));
    std::string due;
    if (const Json* r = task.find("restriction"))
      if (const Json* p = r->find("period")) due = std::string(p->get_string("end")).substr(0, 10);
    std::string what(task.get_string("description"));
    if (what.empty())
      if (const Json* c = task.find("code")) what = std::string(c->get_string("text"));
    std::string owner(ref_at(task, "owner"));
    if (auto s = put_audited(w, "Task", task_id, std::move(task), patient, now); !s) return s;
    ++report.overdue_tasks;
    if (to.empty() || patient.empty()) return Status::Ok();
    Json msg = feedback_message(
        {"", ""}, patient, {to}, "", "Task/" + task_id,
        "Échéance dépassée : la tâche « " + (what.empty() ? "sans description" : what) + " »" +
            (owner.empty() ? "" : " (confiée à " + owner + ")") + " devait être réalisée le " + due + ".",
        now);
    msg.set("category", Json(Json::Array{concept_of(coding(codes::kMessageCategory, codes::kLateReminder,
                                                           "Relance d'une échéance dépassée"))}));
    msg.set("priority", Json("urgent"));
    std::string id = store::time_ordered_id();
    msg.set("id", Json(id));
    return put_audited(w, "Communication", id, std::move(msg), patient, now);
  });
}

Status schedule_review(store::Store& store, const std::string& plan_id, store::Micros now,
                       FollowUpReport& report) {
  return store.write([&](store::Writer& w) -> Status {
    auto open = search::find(w, "Task",
                             "focus=CarePlan/" + plan_id + "&code=" + std::string(codes::kCoordinationTask) +
                                 "|" + std::string(codes::kTaskReview) + "&status=" + std::string(kOpenTask),
                             1);
    if (!open) return std::move(open).error();
    if (!open->empty()) return Status::Ok();
    auto p = read_json(w, "CarePlan", plan_id);
    if (!p) return std::move(p).error();
    if (!*p) return Status::Ok();
    std::string patient(ref_at(**p, "subject"));
    auto manager = case_manager(w, patient);
    if (!manager) return std::move(manager).error();
    std::string owner = *manager;
    if (owner.empty())
      if (const Json* a = (*p)->find("author")) owner = std::string(a->get_string("reference"));
    std::string review;
    if (const Json* period = (*p)->find("period"))
      review = std::string(period->get_string("end")).substr(0, 10);
    Json t = Json::object();
    t.set("resourceType", Json("Task"));
    std::string id = store::time_ordered_id();
    t.set("id", Json(id));
    t.set("status", Json("requested"));
    t.set("intent", Json("plan"));
    Json code = concept_of(coding(codes::kCoordinationTask, codes::kTaskReview, "Réévaluation du PPS"));
    code.set("text", Json("Réévaluation du PPS"));
    t.set("code", std::move(code));
    t.set("description",
          Json("Réévaluer la situation et réviser le PPS : sa date de révision (" + review + ") est passée"));
    t.set("focus", reference("CarePlan/" + plan_id));
    if (!patient.empty()) t.set("for", reference(patient));
    t.set("authoredOn", Json(store::format_instant(now)));
    t.set("lastModified", Json(store::format_instant(now)));
    if (!owner.empty()) t.set("owner", reference(owner));
    Json period = Json::object();
    period.set("end", Json(store::format_instant(now + 14 * kDay)));
    Json restriction = Json::object();
    restriction.set("period", std::move(period));
    t.set("restriction", std::move(restriction));
    if (auto s = put_audited(w, "Task", id, std::move(t), patient, now); !s) return s;
    ++report.reviews_due;
    return Status::Ok();
  });
}

}  // namespace

Result<FollowUpReport> run_follow_up(store::Store& store, store::Micros now) {
  FollowUpReport report;
  const std::string instant = store::format_instant(now);
  std::vector<std::string> late, reviews;
  {
    auto reader = store.reader();
    auto t = search::find(*reader, "Task",
                          "due-date=lt" + instant + "&status=" + std::string(kOpenTask) +
                              "&business-status:not=" + std::string(codes::kCoordinationTask) + "|" +
                              std::string(codes::kTaskLate),
                          kPassLimit);
    if (!t) return std::move(t).error();
    late = std::move(*t);
    auto p = search::find(
        *reader, "CarePlan",
        "status=active&date=eb" + instant + "&category=" + std::string(codes::kPpsSection) + "|clinique",
        kPassLimit);
    if (!p) return std::move(p).error();
    reviews = std::move(*p);
  }
  for (const auto& id : late)
    if (auto s = escalate(store, id, now, report); !s) return std::move(s).error();
  for (const auto& id : reviews)
    if (auto s = schedule_review(store, id, now, report); !s) return std::move(s).error();
  return report;
}

Scheduler::Scheduler(store::Store& store, int interval_seconds)
    : store_(store), interval_(interval_seconds), thread_([this] { loop(); }) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (cv_.wait_for(lock, std::chrono::seconds(interval_), [this] { return stopping_; })) break;
    lock.unlock();
    auto r = run_follow_up(store_, security::Clock::now());
    if (!r)
      spdlog::warn("follow-up pass failed: {}", r.error().message());
    else if (r->overdue_tasks || r->reviews_due)
      spdlog::info("follow-up: {} late tasks escalated, {} PPS reviews scheduled", r->overdue_tasks,
                   r->reviews_due);
    lock.lock();
  }
}

}  // namespace parcours::coordination
