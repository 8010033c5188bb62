// The content shipped in content/<folder>/ (CodeSystems, questionnaires,
// templates), read from the source tree so tests compare the code's
// constants with the files the server installs.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "fhir/json.h"

namespace parcours::testing {

// content/<folder>/<file> parsed; a test failure (and null) when unreadable.
inline Json shipped_json(std::string_view folder, std::string_view file) {
  const auto path = std::filesystem::path(PARCOURS_SOURCE_DIR) / "content" / folder / file;
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = parse_json(ss.str());
  EXPECT_TRUE(j.ok()) << path;
  return j.ok() ? *j : Json();
}

}  // namespace parcours::testing
