// `parcours fhirpath [--resource FILE.json] [--with-types] [--lenient] [--] EXPRESSION`
// (docs: ARCHITECTURE.md, "Contracts other tools rely on"): evaluates one
// FHIRPath expression and prints the result collection as one JSON array.
//
// Arguments are parsed here rather than by CLI11, which would read an
// expression such as "-1.convertsToInteger()" as an option.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "fhir/json.h"
#include "fhirpath/fhirpath.h"

namespace parcours::cli {

namespace {

constexpr std::string_view kUsage =
    "Usage: parcours fhirpath [--resource FILE.json] [--with-types] [--lenient] [--] EXPRESSION\n"
    "\n"
    "Evaluates a FHIRPath expression (FHIR R4) and prints the result collection as one JSON array.\n"
    "\n"
    "  --resource FILE  the input resource (%context, %resource); without it the input is empty\n"
    "  --with-types     print each item as {\"type\": T, \"value\": V}\n"
    "  --lenient        no strict checks (strict: unknown elements and choice elements named with\n"
    "                   their type suffix, such as Observation.valueQuantity, are errors)\n"
    "  --               end of options (needed when EXPRESSION starts with '-')\n"
    "\n"
    "Exit status: 0 success, 2 syntax or semantic error, 1 evaluation error (message on stderr).\n"
    "trace() writes to stderr.\n";

void error(std::string_view msg) {
  std::string line = "parcours fhirpath: " + std::string(msg) + "\n";
  std::fputs(line.c_str(), stderr);
}

}  // namespace

int run_fhirpath(int argc, char** argv) {
  std::string resource_path;
  bool with_types = false;
  bool lenient = false;
  std::vector<std::string> rest;
  bool options_done = false;
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    if (!options_done && a == "--") {
      options_done = true;
    } else if (!options_done && (a == "--help" || a == "-h")) {
      std::fputs(kUsage.data(), stdout);
      return 0;
    } else if (!options_done && a == "--with-types") {
      with_types = true;
    } else if (!options_done && a == "--lenient") {
      lenient = true;
    } else if (!options_done && a == "--resource") {
      if (i + 1 >= argc) {
        error("--resource needs a file");
        return 2;
      }
      resource_path = argv[++i];
    } else if (!options_done && a.rfind("--resource=", 0) == 0) {
      resource_path = std::string(a.substr(11));
    } else if (!options_done && a.size() > 1 && a[0] == '-' && i + 1 < argc) {
      error("unknown option " + std::string(a) + " (put -- before an expression that starts with '-')");
      return 2;
    } else {
      rest.emplace_back(a);
    }
  }
  if (rest.size() != 1) {
    error(rest.empty() ? "an EXPRESSION is required" : "exactly one EXPRESSION is expected");
    std::fputs(kUsage.data(), stderr);
    return 2;
  }

  Json resource;
  const Json* input = nullptr;
  std::string input_type;
  if (!resource_path.empty()) {
    std::ifstream in(resource_path, std::ios::binary);
    if (!in) {
      error("cannot read " + resource_path);
      return 1;
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = parse_json(text.str(), JsonParseOptions{.max_depth = 256});
    if (!parsed) {
      error(resource_path + ": " + parsed.error().message());
      return 1;
    }
    resource = std::move(*parsed);
    input = &resource;
    input_type = std::string(resource.get_string("resourceType"));
  }

  fhirpath::CompileOptions options;
  options.input_type = input_type;
  options.strict = !lenient;
  auto expr = fhirpath::compile(rest[0], options);
  if (!expr) {
    error(expr.error().message());
    return 2;
  }
  fhirpath::Environment env;
  env.resource = input;
  auto result = fhirpath::evaluate(**expr, input, env);
  if (!result) {
    error(result.error().message());
    return 1;
  }
  Json out = Json::array();
  for (const auto& item : *result) out.push_back(fhirpath::to_json(item, with_types));
  std::string text = out.dump();
  text.push_back('\n');
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

}  // namespace parcours::cli
