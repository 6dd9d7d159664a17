// Scalars, timestamps and input validation shared by every codec.

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "gureum/core/time_format.h"

#include "protocol/codec.h"

namespace gureum::protocol {
namespace {

using nlohmann::json;

std::string LowerCamel(std::string_view name) {
  std::string out(name);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z')
    out[0] = static_cast<char>(out[0] - 'A' + 'a');
  return out;
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string Quoted(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  return DumpJson(value);
}

std::string FormatNumber(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  return json(v).dump();
}

class Validator {
 public:
  explicit Validator(ValidationStyle style) : style_(style) {}

  void Check(const Shape& shape, const json& value, const std::string& path) {
    switch (shape.type) {
      case ShapeType::Structure: {
        if (!value.is_object()) return TypeError(path, value, "a structure");
        for (const auto& name : shape.required) {
          auto it = value.find(name);
          if (it == value.end() || it->is_null()) {
            Missing(Join(path, name), name);
          }
        }
        for (const auto& member : shape.members) {
          auto it = value.find(member.name);
          if (it == value.end() || it->is_null()) continue;
          Check(*member.shape, *it, Join(path, member.name));
        }
        return;
      }
      case ShapeType::List: {
        if (!value.is_array()) return TypeError(path, value, "a list");
        Range(shape, path, value, static_cast<double>(value.size()), "length");
        if (shape.list_member == nullptr) return;
        for (size_t i = 0; i < value.size(); ++i) {
          Check(*shape.list_member, value[i], path + "." + std::to_string(i + 1) + ".member");
        }
        return;
      }
      case ShapeType::Map: {
        if (!value.is_object()) return TypeError(path, value, "a map");
        Range(shape, path, value, static_cast<double>(value.size()), "length");
        if (shape.map_value == nullptr) return;
        for (auto& [k, v] : value.items()) Check(*shape.map_value, v, path + "." + k);
        return;
      }
      case ShapeType::String:
        if (!value.is_string()) return TypeError(path, value, "a string");
        Range(shape, path, value, static_cast<double>(Utf8Length(value.get<std::string>())),
              "length");
        return;
      case ShapeType::Blob:
      case ShapeType::Timestamp:
        if (!value.is_string() && !value.is_number()) return TypeError(path, value, "a value");
        return;
      case ShapeType::Boolean:
        if (!value.is_boolean()) return TypeError(path, value, "a boolean");
        return;
      case ShapeType::Integer:
      case ShapeType::Long:
        if (!value.is_number_integer()) return TypeError(path, value, "an integer");
        Range(shape, path, value, value.get<double>(), "value");
        return;
      case ShapeType::Float:
      case ShapeType::Double:
        if (!value.is_number()) return TypeError(path, value, "a number");
        Range(shape, path, value, value.get<double>(), "value");
        return;
    }
  }

  Status Result() const {
    if (errors_.empty()) return Ok();
    if (style_ == ValidationStyle::Ec2) return Fail(first_ec2_error_.value());
    std::string message = std::to_string(errors_.size()) + " validation error" +
                          (errors_.size() > 1 ? "s" : "") + " detected: ";
    for (size_t i = 0; i < errors_.size(); ++i) {
      if (i > 0) message += "; ";
      message += errors_[i];
    }
    if (style_ == ValidationStyle::Json) {
      return Fail(AwsError("ValidationException", message, 400));
    }
    return Fail(AwsError(ErrorCode::ValidationError, message));
  }

 private:
  static std::string Join(const std::string& path, const std::string& name) {
    return path.empty() ? LowerCamel(name) : path + "." + LowerCamel(name);
  }

  void Missing(const std::string& path, const std::string& name) {
    errors_.push_back("Value null at '" + path +
                      "' failed to satisfy constraint: Member must "
                      "not be null");
    if (!first_ec2_error_) {
      first_ec2_error_ =
          AwsError(ErrorCode::MissingParameter, "The request must contain the parameter " + name);
    }
  }

  void TypeError(const std::string& path, const json& value, const char* expected) {
    errors_.push_back("Value '" + Quoted(value) + "' at '" + path +
                      "' failed to satisfy constraint: Member must be " + expected);
    if (!first_ec2_error_) {
      first_ec2_error_ = AwsError(ErrorCode::InvalidParameterValue,
                                  "Invalid value '" + Quoted(value) + "' for " + path);
    }
  }

  void Range(const Shape& shape, const std::string& path, const json& value, double measure,
             const char* what) {
    // EC2 does not enforce the model's constraints on the wire; its handlers validate.
    if (style_ == ValidationStyle::Ec2) return;
    if (shape.min && measure < *shape.min) {
      errors_.push_back("Value '" + Quoted(value) + "' at '" + path +
                        "' failed to satisfy constraint: Member must have " + what +
                        " greater than or equal to " + FormatNumber(*shape.min));
    }
    if (shape.max && measure > *shape.max) {
      errors_.push_back("Value '" + Quoted(value) + "' at '" + path +
                        "' failed to satisfy constraint: Member must have " + what +
                        " less than or equal to " + FormatNumber(*shape.max));
    }
  }

  ValidationStyle style_;
  std::vector<std::string> errors_;
  std::optional<AwsError> first_ec2_error_;
};

}  // namespace

std::string DumpJson(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status Validate(const Shape& shape, const json& value, ValidationStyle style) {
  Validator validator(style);
  validator.Check(shape, value, "");
  return validator.Result();
}

std::optional<std::string> NormalizeTimestamp(std::string_view text, std::string_view format) {
  std::optional<SystemTime> t;
  if (format == "rfc822") t = ParseHttpDate(text);
  if (!t) t = ParseIso8601(text);
  if (!t) {
    // Epoch seconds, possibly fractional.
    char* end = nullptr;
    std::string copy(text);
    double seconds = std::strtod(copy.c_str(), &end);
    if (!copy.empty() && end == copy.c_str() + copy.size()) t = FromEpochSeconds(seconds);
  }
  if (!t && format != "rfc822") t = ParseHttpDate(text);
  if (!t) return std::nullopt;
  bool has_millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count() % 1000 !=
      0;
  return FormatIso8601(*t, has_millis);
}

std::string FormatTimestamp(const json& value, std::string_view format) {
  std::optional<SystemTime> t;
  if (value.is_number()) {
    t = FromEpochSeconds(value.get<double>());
    if (!t) return DumpJson(value);
  } else if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    t = ParseIso8601(s);
    if (!t) t = ParseHttpDate(s);
    if (!t) return s;
  } else {
    return DumpJson(value);
  }
  if (format == "rfc822") return FormatHttpDate(*t);
  if (format == "unixTimestamp") {
    double seconds = ToEpochSeconds(*t);
    return FormatNumber(std::round(seconds * 1000) / 1000);
  }
  bool has_millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count() % 1000 !=
      0;
  return FormatIso8601(*t, has_millis);
}

std::string ScalarText(const Shape& shape, const json& value, std::string_view timestamp_format) {
  switch (shape.type) {
    case ShapeType::Boolean:
      if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
      break;
    case ShapeType::Timestamp:
      return FormatTimestamp(value, timestamp_format.empty() ? "iso8601" : timestamp_format);
    case ShapeType::Float:
    case ShapeType::Double:
      if (value.is_number()) return FormatNumber(value.get<double>());
      break;
    default:
      break;
  }
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return {};
  return DumpJson(value);
}

std::optional<json> ParseScalar(const Shape& shape, std::string_view text,
                                std::string_view timestamp_format) {
  switch (shape.type) {
    case ShapeType::Integer:
    case ShapeType::Long: {
      int64_t v = 0;
      std::string_view t = Trim(text);
      auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (ec != std::errc() || ptr != t.data() + t.size() || t.empty()) return std::nullopt;
      if (shape.type == ShapeType::Integer && (v > INT32_MAX || v < INT32_MIN)) return std::nullopt;
      return json(v);
    }
    case ShapeType::Float:
    case ShapeType::Double: {
      std::string copy(Trim(text));
      char* end = nullptr;
      double v = std::strtod(copy.c_str(), &end);
      if (copy.empty() || end != copy.c_str() + copy.size()) return std::nullopt;
      return json(v);
    }
    case ShapeType::Boolean:
      if (EqualsIgnoreCase(text, "true")) return json(true);
      if (EqualsIgnoreCase(text, "false")) return json(false);
      return std::nullopt;
    case ShapeType::Timestamp: {
      auto normalized = NormalizeTimestamp(text, timestamp_format);
      if (!normalized) return std::nullopt;
      return json(*normalized);
    }
    default:
      return json(std::string(text));
  }
}

}  // namespace gureum::protocol
