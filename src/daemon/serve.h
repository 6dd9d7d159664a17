#pragma once
// `gureum serve`: wires the modules together and runs until SIGTERM/SIGINT.

#include <string>
#include <vector>

namespace gureum::daemon {

inline constexpr const char* kVersion = "0.1.0";

// Returns the process exit code.
int Serve(const std::vector<std::string>& args);
// `gureum accounts add|list ...`
int Accounts(const std::vector<std::string>& args);

}  // namespace gureum::daemon
