#include "security/audit.h"
#include "fhir/values.h"

#include <spdlog/spdlog.h>

namespace parcours::security {

AuditSink::AuditSink(store::Store& store, AuditSinkOptions options) : store_(store), options_(options) {
  thread_ = std::thread([this] { loop(); });
}

AuditSink::~AuditSink() { close(); }

bool AuditSink::record(store::AuditRecord r) {
  std::unique_lock lock(mu_);
  if (closing_) return false;
  if (queue_.size() >= options_.max_backlog) {
    // Back-pressure first; refuse only if the store does not catch up.
    flushed_.wait_for(lock, std::chrono::seconds(5),
                      [&] { return queue_.size() < options_.max_backlog || closing_; });
    if (queue_.size() >= options_.max_backlog || closing_) return false;
  }
  queue_.push_back(std::move(r));
  ++queued_total_;
  if (queue_.size() >= options_.max_batch) cv_.notify_one();
  return true;
}

Status AuditSink::flush() {
  std::unique_lock lock(mu_);
  std::uint64_t target = queued_total_;
  flush_requested_ = true;
  cv_.notify_one();
  flushed_.wait(lock, [&] { return done_total_ >= target || stopped_; });
  return last_error_;
}

void AuditSink::close() {
  std::lock_guard close_lock(close_mu_);
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  flushed_.notify_all();
}

std::size_t AuditSink::backlog() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void AuditSink::loop() {
  for (;;) {
    std::vector<store::AuditRecord> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, options_.flush_interval,
                   [&] { return closing_ || flush_requested_ || queue_.size() >= options_.max_batch; });
      flush_requested_ = false;
      if (queue_.empty()) {
        if (closing_) stopped_ = true;
        flushed_.notify_all();
        if (closing_) return;
        continue;
      }
      std::size_t n = std::min(queue_.size(), options_.max_batch);
      batch.assign(queue_.begin(),
                   queue_.begin() + static_cast<std::ptrdiff_t>(n));  // copied: kept until written
    }
    Status st = store_.write([&](store::Writer& w) -> Status {
      for (const auto& r : batch)
        if (auto s = w.append_audit(r); !s) return s;
      return Status::Ok();
    });
    std::unique_lock lock(mu_);
    if (st.ok()) {
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(batch.size()));
      done_total_ += batch.size();
      last_error_ = Status::Ok();
    } else {
      // Kept queued and retried; reads are refused once the backlog is full.
      last_error_ = st;
      spdlog::error("audit: {} records not yet written: {}", batch.size(), st.error().message());
      if (closing_) {
        // Nothing more can be done at shutdown: say how many are lost.
        spdlog::error("audit: {} records lost at shutdown", queue_.size());
        done_total_ += queue_.size();
        queue_.clear();
        stopped_ = true;
        flushed_.notify_all();
        return;
      }
      lock.unlock();
      std::this_thread::sleep_for(options_.flush_interval);
      lock.lock();
    }
    flushed_.notify_all();
  }
}

Result<ChainReport> verify_audit_chain(store::SecurityStore& store) {
  ChainReport report;
  std::string prev = store::kAuditGenesis;
  std::int64_t expected = 1;
  Status st = store.audit_scan([&](const store::AuditRecord& r) {
    auto fail = [&](std::string why) {
      report.ok = false;
      report.bad_seq = r.seq;
      report.problem = std::move(why);
      return false;
    };
    if (r.seq != expected) {
      fail("it is missing (the next record present is " + std::to_string(r.seq) + ")");
      report.bad_seq = expected;  // the first bad record is the one that is gone
      return false;
    }
    if (r.prev_hash != prev) return fail("its link to the previous record is broken");
    if (store::audit_hash(r.prev_hash, r) != r.hash) return fail("its content does not match its hash");
    prev = r.hash;
    ++expected;
    ++report.records;
    return true;
  });
  if (!st) return std::move(st).error();
  if (report.ok) report.head = prev;
  return report;
}

namespace {

using fhir::coding;
using fhir::concept_of;

}  // namespace

Json to_audit_event(const store::AuditRecord& r, bool for_patient) {
  Json e = Json::object();
  e.set("resourceType", "AuditEvent");
  e.set("id", "audit-" + std::to_string(r.seq));
  constexpr std::string_view kDcm = "http://dicom.nema.org/resources/ontology/DCM";
  if (r.category == "login")
    e.set("type", coding(kDcm, "110114", "User Authentication"));
  else if (r.category == "break-glass" || r.subtype == "access-denied")
    e.set("type", coding(kDcm, "110113", "Security Alert"));
  else if (r.category == "rest")
    e.set("type",
          coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation"));
  else
    e.set("type", coding(kDcm, "110110", "Patient Record"));
  std::string_view sub_system = r.category == "rest"
                                    ? "http://hl7.org/fhir/restful-interaction"
                                    : "https://parcours.example.fr/fhir/CodeSystem/audit-subtype";
  e.set("subtype", Json::Array{coding(sub_system, r.subtype)});
  if (!r.action.empty()) e.set("action", r.action);
  e.set("recorded", store::format_instant(r.recorded));
  e.set("outcome", r.outcome.empty() ? "0" : r.outcome);
  if (!r.reason.empty() && (r.outcome != "0" || r.category == "break-glass")) e.set("outcomeDesc", r.reason);
  if (!r.purpose.empty())
    e.set("purposeOfEvent",
          Json::Array{concept_of(coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", r.purpose))});
  Json agents = Json::array();
  {
    Json a = Json::object();
    a.set("type", concept_of(coding("http://terminology.hl7.org/CodeSystem/extra-security-role-type",
                                    r.agent_kind == "system" ? "datacollector" : "humanuser")));
    if (!r.agent_role.empty()) {
      Json role = Json::object();
      role.set("text", r.agent_role);
      a.set("role", Json::Array{std::move(role)});
    }
    Json who = Json::object();
    Json ident = Json::object();
    ident.set("system", "https://parcours.example.fr/fhir/sid/account");
    ident.set("value", r.agent);
    who.set("identifier", std::move(ident));
    if (!r.agent_display.empty()) who.set("display", r.agent_display);
    a.set("who", std::move(who));
    a.set("requestor", true);
    if (!for_patient && !r.remote.empty()) {
      Json net = Json::object();
      net.set("address", r.remote);
      net.set("type", "2");
      a.set("network", std::move(net));
    }
    agents.push_back(std::move(a));
  }
  if (!r.on_behalf_of.empty()) {
    Json a = Json::object();
    Json who = Json::object();
    who.set("reference", r.on_behalf_of);
    a.set("who", std::move(who));
    a.set("requestor", false);
    agents.push_back(std::move(a));
  }
  e.set("agent", std::move(agents));
  Json source = Json::object();
  Json observer = Json::object();
  observer.set("display", "Parcours");
  source.set("observer", std::move(observer));
  if (!for_patient && !r.request_id.empty()) source.set("site", r.request_id);
  e.set("source", std::move(source));
  Json entities = Json::array();
  if (!r.patient.empty()) {
    Json en = Json::object();
    Json what = Json::object();
    what.set("reference", "Patient/" + r.patient);
    en.set("what", std::move(what));
    en.set("role", coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"));
    entities.push_back(std::move(en));
  }
  std::size_t start = 0;
  while (start < r.entities.size()) {
    auto end = r.entities.find(' ', start);
    if (end == std::string::npos) end = r.entities.size();
    std::string ref = r.entities.substr(start, end - start);
    start = end + 1;
    if (ref.empty()) continue;
    Json en = Json::object();
    Json what = Json::object();
    what.set("reference", ref);
    en.set("what", std::move(what));
    entities.push_back(std::move(en));
  }
  if (r.until) {
    Json en = Json::object();
    Json detail = Json::object();
    detail.set("type", "until");
    detail.set("valueString", store::format_instant(r.until));
    en.set("detail", Json::Array{std::move(detail)});
    entities.push_back(std::move(en));
  }
  if (entities.size()) e.set("entity", std::move(entities));
  return e;
}

}  // namespace parcours::security
