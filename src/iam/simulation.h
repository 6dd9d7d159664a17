#pragma once
// One `gureum iam simulate` case: JSON in (policies and a request), a decision out. Shared by
// the CLI and by the tests that replay the case files.

#include <string>

#include <nlohmann/json.hpp>

#include "gureum/core/error.h"

#include "iam/evaluator.h"

namespace gureum::iam {

struct SimulationCase {
  std::string id;
  PolicySet policies;
  Request request;
};

// The case's "id" as text ("" when absent), usable even when the case itself is malformed.
std::string SimulationCaseId(const nlohmann::json& json);

// Parses {"id", "identityPolicies", "resourcePolicy", "permissionBoundary", "sessionPolicy",
// "scps", "request": {...}}. Optional fields may be absent or null; unknown fields are ignored.
// Errors name the field (e.g. "identityPolicies[1]: Policy statement must contain actions.").
Result<SimulationCase> ParseSimulationCase(const nlohmann::json& json);

Evaluation Simulate(const SimulationCase& c, bool explain);

}  // namespace gureum::iam
