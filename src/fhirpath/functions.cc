#include "fhirpath/functions.h"

#include <algorithm>
#include <vector>

namespace parcours::fhirpath {

const FunctionDef* find_function(std::string_view name) {
  // Built once (thread-safe static initialisation), then binary-searched.
  static const std::vector<const FunctionDef*> table = [] {
    std::vector<const FunctionDef*> t;
    for (auto group : {existence_functions(), utility_functions(), conversion_functions(), string_functions(),
                       math_functions(), temporal_functions(), fhir_functions()})
      for (const FunctionDef& f : group) t.push_back(&f);
    std::sort(t.begin(), t.end(),
              [](const FunctionDef* a, const FunctionDef* b) { return a->name < b->name; });
    return t;
  }();
  auto it = std::lower_bound(table.begin(), table.end(), name,
                             [](const FunctionDef* f, std::string_view n) { return f->name < n; });
  if (it == table.end() || (*it)->name != name) return nullptr;
  return *it;
}

}  // namespace parcours::fhirpath
