#include "coordination/content.h"

#include <string>

#include "security/clock.h"

namespace parcours::coordination {

Result<int> install_shipped_content(store::Store& store) {
  int written = 0;
  Status st = store.write([&](store::Writer& w) -> Status {
    written = 0;
    std::string entities;
    for (const auto& r : shipped_resources()) {
      auto doc = parse_json(r.json);
      if (!doc) return internal_error("Shipped content " + std::string(r.source) + " is malformed");
      store::PutOptions opt;
      opt.method = "PUT";
      // Identical content stores no new version (store.h), so this is cheap
      // and idempotent at every start.
      auto out = w.put(r.type, r.id, std::move(*doc), opt);
      if (!out) return std::move(out).error();
      if (!out->changed) continue;
      ++written;
      entities += (entities.empty() ? "" : " ") + std::string(r.type) + "/" + std::string(r.id) +
                  "/_history/" + std::to_string(out->stored.version);
    }
    if (written == 0) return Status::Ok();
    store::AuditRecord rec;
    rec.recorded = security::Clock::now();
    rec.category = "admin";
    rec.action = "U";
    rec.subtype = "install-content";
    rec.outcome = "0";
    rec.agent = "parcours";
    rec.agent_kind = "system";
    rec.agent_display = "Parcours (contenu livré)";
    rec.entities = std::move(entities);
    return w.append_audit(rec);
  });
  if (!st) return std::move(st).error();
  return written;
}

}  // namespace parcours::coordination
