// Orchestration: the directory first, then the patients one by one, each
// streamed to the sink as soon as it is built (memory does not grow with the
// number of patients). See patient.cc for the data conventions.
#include "territory/generator.h"

#include <array>
#include <utility>

#include "territory/directory.h"
#include "territory/patient.h"

namespace parcours::territory {
namespace {

// Counts resources per type without allocating per resource.
class Counter {
 public:
  void count(const Json& resource) {
    const std::string_view type = resource.get_string("resourceType");
    ++total_;
    for (std::size_t i = 0; i < used_; ++i) {
      if (types_[i].first == type) {
        ++types_[i].second;
        return;
      }
    }
    if (used_ < types_.size()) types_[used_++] = {std::string(type), 1};
  }
  TerritoryStats stats() const {
    TerritoryStats s;
    s.resources = total_;
    for (std::size_t i = 0; i < used_; ++i) s.by_type[types_[i].first] = types_[i].second;
    return s;
  }

 private:
  std::array<std::pair<std::string, std::int64_t>, 32> types_;
  std::size_t used_ = 0;
  std::int64_t total_ = 0;
};

}  // namespace

TerritoryStats generate_territory(const TerritoryOptions& options, const std::function<void(Json&&)>& sink) {
  Counter counter;
  const std::function<void(Json &&)> emit = [&](Json&& resource) {
    counter.count(resource);
    sink(std::move(resource));
  };
  Directory directory = build_directory(options.patients, options.seed, emit);
  PatientGenerator patients(directory, options.seed, emit);
  for (std::int64_t i = 0; i < options.patients; ++i) patients.generate(i);
  return counter.stats();
}

}  // namespace parcours::territory
