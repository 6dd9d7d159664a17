#include "iam/conditions.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "gureum/core/encoding.h"
#include "gureum/core/time_format.h"

#include "iam/malformed.h"
#include "iam/variables.h"
#include "iam/wildcard.h"
#include <arpa/inet.h>

namespace gureum::iam {
namespace {

using Op = ConditionOperator;

struct OperatorName {
  std::string_view name;
  Op op;
};

constexpr std::array kOperators = {
    OperatorName{"StringEquals", Op::StringEquals},
    OperatorName{"StringNotEquals", Op::StringNotEquals},
    OperatorName{"StringEqualsIgnoreCase", Op::StringEqualsIgnoreCase},
    OperatorName{"StringNotEqualsIgnoreCase", Op::StringNotEqualsIgnoreCase},
    OperatorName{"StringLike", Op::StringLike},
    OperatorName{"StringNotLike", Op::StringNotLike},
    OperatorName{"NumericEquals", Op::NumericEquals},
    OperatorName{"NumericNotEquals", Op::NumericNotEquals},
    OperatorName{"NumericLessThan", Op::NumericLessThan},
    OperatorName{"NumericLessThanEquals", Op::NumericLessThanEquals},
    OperatorName{"NumericGreaterThan", Op::NumericGreaterThan},
    OperatorName{"NumericGreaterThanEquals", Op::NumericGreaterThanEquals},
    OperatorName{"DateEquals", Op::DateEquals},
    OperatorName{"DateNotEquals", Op::DateNotEquals},
    OperatorName{"DateLessThan", Op::DateLessThan},
    OperatorName{"DateLessThanEquals", Op::DateLessThanEquals},
    OperatorName{"DateGreaterThan", Op::DateGreaterThan},
    OperatorName{"DateGreaterThanEquals", Op::DateGreaterThanEquals},
    OperatorName{"Bool", Op::Bool},
    OperatorName{"BinaryEquals", Op::BinaryEquals},
    OperatorName{"IpAddress", Op::IpAddress},
    OperatorName{"NotIpAddress", Op::NotIpAddress},
    OperatorName{"ArnEquals", Op::ArnEquals},
    OperatorName{"ArnNotEquals", Op::ArnNotEquals},
    OperatorName{"ArnLike", Op::ArnLike},
    OperatorName{"ArnNotLike", Op::ArnNotLike},
    OperatorName{"Null", Op::Null},
};

// Negated operators hold for a request value when the positive operator matches none of the
// policy's values.
bool IsNegated(Op op) {
  switch (op) {
    case Op::StringNotEquals:
    case Op::StringNotEqualsIgnoreCase:
    case Op::StringNotLike:
    case Op::NumericNotEquals:
    case Op::DateNotEquals:
    case Op::NotIpAddress:
    case Op::ArnNotEquals:
    case Op::ArnNotLike:
      return true;
    default:
      return false;
  }
}

bool TakesVariables(Op op) {
  switch (op) {
    case Op::StringEquals:
    case Op::StringNotEquals:
    case Op::StringEqualsIgnoreCase:
    case Op::StringNotEqualsIgnoreCase:
    case Op::StringLike:
    case Op::StringNotLike:
    case Op::ArnEquals:
    case Op::ArnNotEquals:
    case Op::ArnLike:
    case Op::ArnNotLike:
    case Op::Bool:
      return true;
    default:
      return false;
  }
}

std::optional<double> ParseNumber(std::string_view text) {
  std::string s(Trim(text));
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// Dates are ISO 8601 or epoch seconds, as AWS accepts for Date operators.
std::optional<double> ParseDate(std::string_view text) {
  text = Trim(text);
  std::string_view digits = text;
  if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) digits.remove_prefix(1);
  if (!digits.empty() && digits.find_first_not_of("0123456789.") == std::string_view::npos) {
    return ParseNumber(text);
  }
  auto t = ParseIso8601(text);
  if (!t) return std::nullopt;
  return ToEpochSeconds(*t);
}

std::optional<bool> ParseBool(std::string_view text) {
  if (EqualsIgnoreCase(text, "true")) return true;
  if (EqualsIgnoreCase(text, "false")) return false;
  return std::nullopt;
}

struct IpBytes {
  int family = 0;
  std::array<unsigned char, 16> bytes{};
};

std::optional<IpBytes> ParseIp(const std::string& text) {
  IpBytes ip;
  if (inet_pton(AF_INET, text.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET;
  } else if (inet_pton(AF_INET6, text.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET6;
  } else {
    return std::nullopt;
  }
  return ip;
}

// "203.0.113.0/24", "2001:db8::/32", or a bare address (a /32 or /128).
bool CidrContains(std::string_view cidr, std::string_view address) {
  cidr = Trim(cidr);
  size_t slash = cidr.find('/');
  auto network = ParseIp(std::string(cidr.substr(0, slash)));
  auto ip = ParseIp(std::string(Trim(address)));
  if (!network || !ip || network->family != ip->family) return false;
  int max_bits = ip->family == AF_INET ? 32 : 128;
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    auto parsed = ParseNumber(cidr.substr(slash + 1));
    if (!parsed || *parsed < 0 || *parsed > max_bits || std::floor(*parsed) != *parsed) {
      return false;
    }
    bits = static_cast<int>(*parsed);
  }
  for (int i = 0; i < bits; ++i) {
    unsigned char mask = static_cast<unsigned char>(0x80 >> (i % 8));
    if ((network->bytes[i / 8] & mask) != (ip->bytes[i / 8] & mask)) return false;
  }
  return true;
}

bool Compare(Op op, double a, double b) {
  switch (op) {
    case Op::NumericEquals:
    case Op::NumericNotEquals:
    case Op::DateEquals:
    case Op::DateNotEquals:
      return a == b;
    case Op::NumericLessThan:
    case Op::DateLessThan:
      return a < b;
    case Op::NumericLessThanEquals:
    case Op::DateLessThanEquals:
      return a <= b;
    case Op::NumericGreaterThan:
    case Op::DateGreaterThan:
      return a > b;
    default:
      return a >= b;
  }
}

// Whether one request value matches one (already substituted) policy value under the positive
// form of the operator.
bool MatchesPositive(Op op, const Glob& policy, const std::string& value) {
  const std::string& p = policy.text();
  switch (op) {
    case Op::StringEquals:
    case Op::StringNotEquals:
      return p == value;
    case Op::StringEqualsIgnoreCase:
    case Op::StringNotEqualsIgnoreCase:
      return EqualsIgnoreCase(p, value);
    case Op::StringLike:
    case Op::StringNotLike:
      return GlobMatch(policy, value, false);
    case Op::NumericEquals:
    case Op::NumericNotEquals:
    case Op::NumericLessThan:
    case Op::NumericLessThanEquals:
    case Op::NumericGreaterThan:
    case Op::NumericGreaterThanEquals: {
      auto a = ParseNumber(value), b = ParseNumber(p);
      return a && b && Compare(op, *a, *b);
    }
    case Op::DateEquals:
    case Op::DateNotEquals:
    case Op::DateLessThan:
    case Op::DateLessThanEquals:
    case Op::DateGreaterThan:
    case Op::DateGreaterThanEquals: {
      auto a = ParseDate(value), b = ParseDate(p);
      return a && b && Compare(op, *a, *b);
    }
    case Op::Bool: {
      auto a = ParseBool(value), b = ParseBool(p);
      return a && b && *a == *b;
    }
    case Op::BinaryEquals: {
      auto a = Base64Decode(value), b = Base64Decode(p);
      return a && b ? *a == *b : value == p;
    }
    case Op::IpAddress:
    case Op::NotIpAddress:
      return CidrContains(p, value);
    case Op::ArnEquals:
    case Op::ArnNotEquals:
    case Op::ArnLike:
    case Op::ArnNotLike:
      return ArnMatches(policy, value);
    case Op::Null:
      return false;
  }
  return false;
}

std::string Join(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += "\"" + values[i] + "\"";
  }
  return out + "]";
}

bool Explain(std::string* why, std::string text) {
  if (why != nullptr) *why = std::move(text);
  return false;
}

}  // namespace

std::optional<Condition> ParseConditionOperator(std::string_view name) {
  Condition c;
  c.op_name = std::string(name);
  if (StartsWith(name, "ForAllValues:")) {
    c.qualifier = SetQualifier::ForAllValues;
    name.remove_prefix(13);
  } else if (StartsWith(name, "ForAnyValue:")) {
    c.qualifier = SetQualifier::ForAnyValue;
    name.remove_prefix(12);
  }
  constexpr std::string_view kIfExists = "IfExists";
  if (name.size() > kIfExists.size() && name.ends_with(kIfExists)) {
    c.if_exists = true;
    name.remove_suffix(kIfExists.size());
  }
  for (const auto& entry : kOperators) {
    if (entry.name == name) {
      // Null tests existence itself; "NullIfExists" means nothing.
      if (entry.op == Op::Null && c.if_exists) return std::nullopt;
      c.op = entry.op;
      return c;
    }
  }
  return std::nullopt;
}

Result<std::vector<Condition>> ParseConditionBlock(const nlohmann::json& block) {
  if (!block.is_object()) return Fail(MalformedPolicy(kSyntaxErrors));
  std::vector<Condition> out;
  for (const auto& [op_name, keys] : block.items()) {
    auto parsed = ParseConditionOperator(op_name);
    if (!parsed) return Fail(MalformedPolicy("Invalid Condition type : " + op_name));
    if (!keys.is_object()) return Fail(MalformedPolicy(kSyntaxErrors));
    for (const auto& [key, value] : keys.items()) {
      Condition c = *parsed;
      c.key = key;
      const nlohmann::json list = value.is_array() ? value : nlohmann::json::array({value});
      for (const auto& v : list) {
        if (v.is_string()) {
          c.values.push_back(v.get<std::string>());
        } else if (v.is_boolean() || v.is_number()) {
          c.values.push_back(v.dump());
        } else {
          return Fail(MalformedPolicy(kSyntaxErrors));
        }
      }
      out.push_back(std::move(c));
    }
  }
  return out;
}

bool EvaluateCondition(const Condition& c, const Context& context, bool variables,
                       std::string* why) {
  const std::vector<std::string>* found = context.Find(c.key);
  // An empty list is a key without values: a "null dataset" in AWS's words.
  bool absent = found == nullptr || found->empty();
  std::string label = c.op_name + " " + c.key;

  if (c.op == Op::Null) {
    for (const auto& v : c.values) {
      auto want_null = ParseBool(v);
      if (want_null && *want_null == absent) return true;
    }
    return Explain(why, label + ": key is " + (absent ? "absent" : "present"));
  }

  if (absent) {
    if (c.if_exists) return true;
    switch (c.qualifier) {
      case SetQualifier::ForAllValues:
        return true;
      case SetQualifier::ForAnyValue:
        return Explain(why, label + ": key is absent");
      case SetQualifier::None:
        if (IsNegated(c.op)) return true;
        return Explain(why, label + ": key is absent");
    }
  }

  // Policy values after variable substitution. AWS: a variable it cannot resolve makes the
  // statement invalid, so the condition fails whatever the operator (negated ones included).
  std::vector<Glob> policy;
  bool use_variables = variables && TakesVariables(c.op);
  for (const auto& v : c.values) {
    auto g = SubstituteVariables(v, context, use_variables);
    if (!g) return Explain(why, label + ": policy variable in \"" + v + "\" has no value");
    policy.push_back(std::move(*g));
  }
  bool negated = IsNegated(c.op);
  auto single = [&](const std::string& value) {
    bool any = false;
    for (const auto& p : policy) {
      if (MatchesPositive(c.op, p, value)) {
        any = true;
        break;
      }
    }
    return negated ? !any : any;
  };

  bool result = false;
  switch (c.qualifier) {
    case SetQualifier::ForAllValues:
      result = std::all_of(found->begin(), found->end(), single);
      break;
    case SetQualifier::ForAnyValue:
      result = std::any_of(found->begin(), found->end(), single);
      break;
    case SetQualifier::None:
      // A plain operator on a multivalued key: positive operators need some value to match,
      // negated ones need every value to avoid the policy's values.
      result = negated ? std::all_of(found->begin(), found->end(), single)
                       : std::any_of(found->begin(), found->end(), single);
      break;
  }
  if (!result)
    Explain(why, label + ": request value " + Join(*found) + " vs policy " + Join(c.values));
  return result;
}

}  // namespace gureum::iam
