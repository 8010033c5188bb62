// The coordination workflow's pure parts: the lifecycle tables, the codes
// the rules write (each defined by a shipped CodeSystem), and the embedded
// content (every file of content/, valid). The rules themselves run against
// the real server in tests/integration/coordination_test.cc.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "coordination/content.h"
#include "coordination/workflow/codes.h"
#include "coordination/workflow/lifecycle.h"
#include "fhir/json.h"
#include "fhir/validator.h"
#include "support/content.h"

namespace parcours::coordination {
namespace {

namespace fs = std::filesystem;

TEST(Lifecycle, TaskFollowsTheR4StateMachine) {
  EXPECT_TRUE(task_transition_allowed("draft", "requested"));
  EXPECT_TRUE(task_transition_allowed("requested", "accepted"));
  EXPECT_TRUE(task_transition_allowed("accepted", "in-progress"));
  EXPECT_TRUE(task_transition_allowed("in-progress", "on-hold"));
  EXPECT_TRUE(task_transition_allowed("on-hold", "in-progress"));
  EXPECT_TRUE(task_transition_allowed("in-progress", "completed"));
  EXPECT_TRUE(task_transition_allowed("requested", "requested")) << "an edit keeps its status";
  // Terminal states stay terminal, except for a retraction.
  for (const char* t : {"completed", "cancelled", "rejected", "failed"}) {
    EXPECT_TRUE(task_terminal(t));
    EXPECT_FALSE(task_transition_allowed(t, "in-progress")) << t;
    EXPECT_TRUE(task_transition_allowed(t, "entered-in-error")) << t;
  }
  EXPECT_FALSE(task_transition_allowed("requested", "completed")) << "work is accepted before it is done";
  EXPECT_FALSE(task_transition_allowed("draft", "in-progress"));
  EXPECT_FALSE(task_transition_allowed("entered-in-error", "draft"));
  EXPECT_FALSE(task_terminal("on-hold"));
}

TEST(Lifecycle, DossierClosesWithAReasonAndMayReopen) {
  EXPECT_TRUE(episode_transition_allowed("planned", "active"));
  EXPECT_TRUE(episode_transition_allowed("waitlist", "active"));
  EXPECT_TRUE(episode_transition_allowed("active", "onhold"));
  EXPECT_TRUE(episode_transition_allowed("onhold", "finished"));
  EXPECT_TRUE(episode_transition_allowed("finished", "active"));
  EXPECT_TRUE(episode_transition_allowed("cancelled", "active"));
  EXPECT_FALSE(episode_transition_allowed("active", "planned"));
  EXPECT_FALSE(episode_transition_allowed("finished", "onhold"));
  EXPECT_TRUE(episode_closed("finished"));
  EXPECT_FALSE(episode_closed("onhold"));
  auto next = episode_next("active");
  EXPECT_EQ(std::set<std::string_view>(next.begin(), next.end()),
            (std::set<std::string_view>{"onhold", "finished", "cancelled", "entered-in-error"}));
}

TEST(Lifecycle, PpsEndsOnlyWhereTheRequestPatternSays) {
  EXPECT_TRUE(pps_transition_allowed("active", "draft")) << "a revision";
  EXPECT_TRUE(pps_transition_allowed("active", "on-hold"));
  EXPECT_TRUE(pps_transition_allowed("on-hold", "active"));
  EXPECT_TRUE(pps_transition_allowed("active", "completed"));
  EXPECT_FALSE(pps_transition_allowed("completed", "active"));
  EXPECT_FALSE(pps_transition_allowed("revoked", "draft"));
  EXPECT_FALSE(pps_transition_allowed("draft", "completed"));
}

std::set<std::string> codes_of(const std::string& file) {
  Json cs = testing::shipped_json("coordination", file);
  std::set<std::string> out;
  for (const Json& c : cs.find("concept")->as_array()) out.emplace(c.get_string("code"));
  return out;
}

TEST(WorkflowCodes, EveryCodeTheRulesWriteIsDefined) {
  auto milestones = codes_of("CodeSystem-jalon-coordination.json");
  for (auto c : {codes::kMilestoneAccepted, codes::kMilestoneDeclined, codes::kMilestonePpsProposed,
                 codes::kMilestonePpsValidated, codes::kMilestonePpsChanges, codes::kMilestoneClosed,
                 codes::kMilestoneReopened})
    EXPECT_TRUE(milestones.count(std::string(c))) << c;
  EXPECT_TRUE(codes_of("CodeSystem-communication-category.json").count(std::string(codes::kFeedbackToGp)));
  EXPECT_EQ(
      codes_of("CodeSystem-niveau-coordination.json"),
      (std::set<std::string>{"information-orientation", "coordination-simple", "coordination-complexe"}));
  // The URLs the rules use are the CodeSystems' own.
  auto url = [](const std::string& file) {
    return std::string(testing::shipped_json("coordination", file).get_string("url"));
  };
  EXPECT_EQ(url("CodeSystem-jalon-coordination.json"), codes::kMilestone);
  EXPECT_EQ(url("CodeSystem-motif-cloture.json"), codes::kClosureReason);
  EXPECT_EQ(url("CodeSystem-niveau-coordination.json"), codes::kIntensity);
  EXPECT_EQ(url("CodeSystem-communication-category.json"), codes::kMessageCategory);
}

TEST(ShippedContent, EveryContentFileIsEmbeddedAndValid) {
  std::set<std::string> files;
  for (const auto& dir : fs::directory_iterator(fs::path(PARCOURS_SOURCE_DIR) / "content"))
    if (dir.is_directory())
      for (const auto& f : fs::directory_iterator(dir.path()))
        if (f.path().extension() == ".json")
          files.insert("content/" + dir.path().filename().string() + "/" + f.path().filename().string());
  std::set<std::string> embedded, keys;
  for (const auto& r : shipped_resources()) {
    embedded.emplace(r.source);
    EXPECT_TRUE(keys.emplace(std::string(r.type) + "/" + std::string(r.id)).second) << "twice: " << r.id;
    auto doc = parse_json(r.json);
    ASSERT_TRUE(doc.ok()) << r.source;
    EXPECT_EQ(doc->get_string("resourceType"), r.type);
    EXPECT_EQ(doc->get_string("id"), r.id);
    auto issues = fhir::validate_resource(*doc);
    EXPECT_TRUE(issues.empty()) << r.source << ": " << (issues.empty() ? "" : issues.front().diagnostics);
  }
  EXPECT_EQ(embedded, files);
}

}  // namespace
}  // namespace parcours::coordination
