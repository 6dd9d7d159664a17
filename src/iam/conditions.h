#pragma once
// The Condition element: every IAM condition operator, the ...IfExists suffix and the
// ForAllValues:/ForAnyValue: set qualifiers, evaluated against the request context with AWS's
// documented rules for absent keys, negated operators and multivalued keys.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gureum/core/error.h"

#include "iam/request.h"

namespace gureum::iam {

enum class ConditionOperator {
  StringEquals,
  StringNotEquals,
  StringEqualsIgnoreCase,
  StringNotEqualsIgnoreCase,
  StringLike,
  StringNotLike,
  NumericEquals,
  NumericNotEquals,
  NumericLessThan,
  NumericLessThanEquals,
  NumericGreaterThan,
  NumericGreaterThanEquals,
  DateEquals,
  DateNotEquals,
  DateLessThan,
  DateLessThanEquals,
  DateGreaterThan,
  DateGreaterThanEquals,
  Bool,
  BinaryEquals,
  IpAddress,
  NotIpAddress,
  ArnEquals,
  ArnNotEquals,
  ArnLike,
  ArnNotLike,
  Null,
};

enum class SetQualifier {
  None,          // the key's values (usually one) are compared as a single-valued key
  ForAllValues,  // every request value must satisfy the operator; true when the key is absent
  ForAnyValue,   // at least one request value must satisfy it; false when the key is absent
};

// One key under one operator: {"StringEquals": {"aws:username": ["a", "b"]}} is one Condition.
struct Condition {
  std::string op_name;  // as written in the policy, e.g. "ForAnyValue:StringLikeIfExists"
  ConditionOperator op = ConditionOperator::StringEquals;
  SetQualifier qualifier = SetQualifier::None;
  bool if_exists = false;
  std::string key;
  std::vector<std::string> values;  // numbers and booleans in the policy become their text
};

// Parses an operator name such as "ForAllValues:StringNotLikeIfExists"; nullopt if unknown.
std::optional<Condition> ParseConditionOperator(std::string_view name);

// Parses a whole Condition element (object of operator → object of key → value or values).
// Errors are MalformedPolicyDocument.
Result<std::vector<Condition>> ParseConditionBlock(const nlohmann::json& block);

// True when the condition holds. `variables` enables policy variables in String, Arn and Bool
// values (policies of Version 2012-10-17). On false, `why` (if given) says what failed.
bool EvaluateCondition(const Condition& condition, const Context& context, bool variables,
                       std::string* why);

}  // namespace gureum::iam
