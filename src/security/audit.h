// The audit trail (IHE Basic Audit Log Patterns): records built from the
// request context, written atomically with writes (store::Writer::
// append_audit, in the write's own unit) and, for reads, through AuditSink:
// batched into the store's group commit.
//
// The promise for reads (docs/security.md): a read is answered only after its
// record is queued; queued records are committed (fsync) within
// `flush_interval` (100 ms) plus one group commit; a clean stop flushes them
// all; a crash or power loss can lose the records of the reads answered
// during that last interval, never more. The queue is bounded: when the
// store cannot take the records, reads get 503 rather than go unaudited.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "base/result.h"
#include "fhir/json.h"
#include "store/store.h"

namespace parcours::security {

struct AuditSinkOptions {
  std::chrono::milliseconds flush_interval{100};
  std::size_t max_batch = 2000;      // records per commit unit
  std::size_t max_backlog = 100000;  // queued records before reads are refused
};

class AuditSink {
 public:
  AuditSink(store::Store& store, AuditSinkOptions options = {});
  ~AuditSink();
  AuditSink(const AuditSink&) = delete;
  AuditSink& operator=(const AuditSink&) = delete;

  // Queues a record. False when the backlog is full (the caller answers 503).
  bool record(store::AuditRecord r);
  // Waits until every record queued before the call is committed (or failed).
  Status flush();
  // Flushes and stops the thread. Idempotent.
  void close();
  std::size_t backlog() const;

 private:
  void loop();
  store::Store& store_;
  AuditSinkOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;       // wakes the writer thread
  std::condition_variable flushed_;  // wakes flush() callers
  std::deque<store::AuditRecord> queue_;
  std::uint64_t queued_total_ = 0, done_total_ = 0;
  Status last_error_;
  bool closing_ = false;
  bool stopped_ = false;  // the thread has exited
  std::mutex close_mu_;
  bool flush_requested_ = false;
  std::thread thread_;
};

// The result of checking the chain: every record's hash, the link to the
// previous one, and seq numbers without gaps.
struct ChainReport {
  bool ok = true;
  std::int64_t records = 0;
  std::string head;          // hash of the last record (anchor it elsewhere to detect truncation)
  std::int64_t bad_seq = 0;  // first bad record
  std::string problem;
};
Result<ChainReport> verify_audit_chain(store::SecurityStore& store);

// A record as a FHIR AuditEvent. `for_patient` leaves out what the patient's
// view does not need (network addresses, request ids).
Json to_audit_event(const store::AuditRecord& r, bool for_patient);

}  // namespace parcours::security
