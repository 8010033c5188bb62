// The Parcours half of bench/fhirpath.sh: FHIRPath expressions over resources,
// timed like bench/fhirpath-js/run.cjs (process CPU time, each expression
// compiled once, warmed up, then repeated until it has run for at least
// MIN_MS). Prints one TSV line per expression:
//   type, expression, evaluations, ns per evaluation, items returned by one pass
// or, when the expression fails: type, expression, "error", message.
// Usage: fhirpath_bench EXPRESSIONS.tsv RESOURCES.ndjson [MIN_MS]
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "fhir/json.h"
#include "fhirpath/fhirpath.h"

namespace {

using parcours::Json;
namespace fhirpath = parcours::fhirpath;

double cpu_ns() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

// One line of output; tabs and newlines in a message would break the TSV.
void print(const std::vector<std::string>& fields) {
  std::string line;
  for (const auto& f : fields) {
    if (!line.empty()) line += '\t';
    for (char ch : f) line += ch == '\t' || ch == '\n' ? ' ' : ch;
  }
  line += '\n';
  std::fputs(line.c_str(), stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fputs("usage: fhirpath_bench EXPRESSIONS.tsv RESOURCES.ndjson [MIN_MS]\n", stderr);
    return 2;
  }
  const double min_ns = (argc > 3 ? std::atof(argv[3]) : 100.0) * 1e6;
  std::map<std::string, std::vector<Json>> by_type;
  std::ifstream data(argv[2]);
  for (std::string line; std::getline(data, line);) {
    if (line.empty()) continue;
    auto r = parcours::parse_json(line);
    if (!r) {
      std::fprintf(stderr, "fhirpath_bench: %s\n", r.error().message().c_str());
      return 1;
    }
    std::string type(r->get_string("resourceType"));
    by_type[type].push_back(std::move(*r));
  }
  std::ifstream exprs(argv[1]);
  for (std::string line; std::getline(exprs, line);) {
    auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    std::string type = line.substr(0, tab), text = line.substr(tab + 1);
    const std::vector<Json>& resources = by_type[type];
    fhirpath::CompileOptions options;
    options.input_type = type;
    auto expr = fhirpath::compile(text, options);
    if (!expr) {
      print({type, text, "error", expr.error().message()});
      continue;
    }
    auto run = [&](const Json& r) {
      fhirpath::Environment env;
      env.resource = &r;
      return fhirpath::evaluate(**expr, &r, env);
    };
    std::size_t items = 0;
    std::string failure;
    for (int round = 0; round < 3 && failure.empty(); ++round)  // the same warm-up as fhirpath.js
      for (const auto& r : resources) {
        auto out = run(r);
        if (!out) {
          failure = out.error().message();
          break;
        }
        if (round == 0) items += out->size();
      }
    if (!failure.empty()) {
      print({type, text, "error", failure});
      continue;
    }
    // The clock is a system call: read it once per ~1 000 evaluations.
    const std::size_t passes = resources.empty() ? 0 : std::max<std::size_t>(1, 1000 / resources.size());
    std::size_t evaluations = 0;
    const double start = cpu_ns();
    double spent = 0;
    do {
      for (std::size_t p = 0; p < passes; ++p)
        for (const auto& r : resources) (void)run(r);
      evaluations += passes * resources.size();
      spent = cpu_ns() - start;
    } while (spent < min_ns && passes > 0);
    char ns[32];
    std::snprintf(ns, sizeof ns, "%.1f", evaluations ? spent / static_cast<double>(evaluations) : 0.0);
    print({type, text, std::to_string(evaluations), ns, std::to_string(items)});
  }
  return 0;
}
