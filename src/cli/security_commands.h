// Wiring of `parcours user ...` (user_command.cc) and `parcours audit ...`
// (audit_command.cc): each subcommand's callback records what to run.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "security/services.h"
#include "store/store.h"

namespace parcours::cli {

struct SecurityCommands {
  std::function<int()> chosen;
};

void add_user_commands(CLI::App& app, SecurityCommands& out);
void add_audit_commands(CLI::App& app, SecurityCommands& out);

// The store and security services of DIR, for a command-line action.
struct Opened {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<security::Services> security;
  ~Opened();
};
Result<std::unique_ptr<Opened>> open_for_cli(const std::string& dir);

// An audit record of an administrative action from the command line, in its
// own atomic unit.
Status audit_cli_action(Opened& o, std::string_view subtype, std::string_view subject,
                        std::string_view detail);

}  // namespace parcours::cli
