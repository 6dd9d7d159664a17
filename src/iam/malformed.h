#pragma once
// IAM's error for a policy that fails validation, with AWS's message text.

#include <string>

#include "gureum/core/error.h"

namespace gureum::iam {

inline AwsError MalformedPolicy(std::string message) {
  return AwsError("MalformedPolicyDocument", std::move(message), 400);
}

// AWS's catch-all for structurally wrong documents (bad JSON, wrong element types).
inline constexpr const char* kSyntaxErrors = "Syntax errors in policy.";

}  // namespace gureum::iam
