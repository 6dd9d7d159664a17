// The awsJson 1.0/1.1 protocol: POST / with X-Amz-Target "<targetPrefix>.<Operation>" and a JSON
// body; errors are {"__type": code, "message": ...}.

#include "protocol/codecs.h"

namespace gureum::protocol {
namespace {

using nlohmann::json;

class JsonCodec final : public Codec {
 public:
  explicit JsonCodec(const ServiceModel& model)
      : model_(model),
        content_type_("application/x-amz-json-" +
                      (model.json_version().empty() ? std::string("1.0") : model.json_version())) {}

  Result<const Operation*> Resolve(const WireRequest& request) const override {
    auto target = request.http->headers.Get("X-Amz-Target");
    if (!target) {
      return Fail(AwsError(ErrorCode::UnknownOperation, "Missing X-Amz-Target header"));
    }
    size_t dot = target->rfind('.');
    std::string_view prefix = dot == std::string_view::npos ? "" : target->substr(0, dot);
    std::string_view name = dot == std::string_view::npos ? *target : target->substr(dot + 1);
    const Operation* op = model_.FindOperation(name);
    if (op == nullptr || (!model_.target_prefix().empty() && prefix != model_.target_prefix())) {
      return Fail(
          AwsError(ErrorCode::UnknownOperation, "Unknown operation " + std::string(*target)));
    }
    return op;
  }

  Result<json> DecodeInput(const Operation& op, const WireRequest& request) const override {
    if (op.input == nullptr) return json::object();
    json wire = request.body.empty() ? json::object() : json::parse(request.body, nullptr, false);
    if (wire.is_discarded() || !wire.is_object()) {
      return Fail(AwsError(ErrorCode::SerializationError, "Request body is not valid JSON"));
    }
    GUREUM_TRY(json input, JsonFromWire(*op.input, wire, ""));
    GUREUM_RETURN_IF_ERROR(Validate(*op.input, input, ValidationStyle::Json));
    return input;
  }

  http::Response EncodeOutput(const Operation& op, const json& output,
                              const ResponseContext&) const override {
    http::Response response;
    response.headers.Add("Content-Type", content_type_);
    response.body = op.output ? DumpJson(JsonToWire(*op.output, output)) : "{}";
    return response;
  }

  http::Response EncodeError(const AwsError& error, const ResponseContext&) const override {
    http::Response response;
    response.status = ErrorStatus(model_, error);
    response.headers.Add("Content-Type", content_type_);
    response.headers.Add("x-amzn-ErrorType", error.code());
    json body = {{"__type", error.code()}, {"message", error.message()}};
    response.body = DumpJson(body);
    return response;
  }

 private:
  const ServiceModel& model_;
  std::string content_type_;
};

}  // namespace

Result<json> JsonFromWire(const Shape& shape, const json& wire, const std::string& path) {
  auto bad = [&](const char* expected) {
    return Fail(
        AwsError("SerializationException", "Value at '" + path + "' must be " + expected, 400));
  };
  switch (shape.type) {
    case ShapeType::Structure: {
      if (!wire.is_object()) return bad("an object");
      json out = json::object();
      for (const auto& member : shape.members) {
        auto it = wire.find(member.WireName());
        if (it == wire.end() || it->is_null()) continue;
        GUREUM_TRY(json value, JsonFromWire(*member.shape, *it,
                                            path.empty() ? member.name : path + "." + member.name));
        out[member.name] = std::move(value);
      }
      return out;
    }
    case ShapeType::List: {
      if (!wire.is_array()) return bad("an array");
      json out = json::array();
      for (size_t i = 0; i < wire.size(); ++i) {
        if (shape.list_member == nullptr) break;
        GUREUM_TRY(json value,
                   JsonFromWire(*shape.list_member, wire[i], path + "." + std::to_string(i)));
        out.push_back(std::move(value));
      }
      return out;
    }
    case ShapeType::Map: {
      if (!wire.is_object()) return bad("an object");
      json out = json::object();
      for (auto& [k, v] : wire.items()) {
        if (shape.map_value == nullptr) break;
        GUREUM_TRY(json value, JsonFromWire(*shape.map_value, v, path + "." + k));
        out[k] = std::move(value);
      }
      return out;
    }
    case ShapeType::Timestamp: {
      if (wire.is_number()) {
        if (!FromEpochSeconds(wire.get<double>())) return bad("a timestamp");
        return json(FormatTimestamp(wire, "iso8601"));
      }
      if (wire.is_string()) {
        auto normalized = NormalizeTimestamp(wire.get<std::string>(), shape.timestamp_format);
        if (!normalized) return bad("a timestamp");
        return json(*normalized);
      }
      return bad("a timestamp");
    }
    case ShapeType::Boolean:
      if (!wire.is_boolean()) return bad("a boolean");
      return wire;
    case ShapeType::Integer:
    case ShapeType::Long:
      if (!wire.is_number_integer()) return bad("an integer");
      return wire;
    case ShapeType::Float:
    case ShapeType::Double:
      if (!wire.is_number()) return bad("a number");
      return wire;
    default:
      if (!wire.is_string()) return bad("a string");
      return wire;
  }
}

json JsonToWire(const Shape& shape, const json& value) {
  switch (shape.type) {
    case ShapeType::Structure: {
      json out = json::object();
      if (!value.is_object()) return out;
      for (const auto& member : shape.members) {
        auto it = value.find(member.name);
        if (it == value.end() || it->is_null()) continue;
        if (member.location != Location::Body) continue;
        out[member.WireName()] = JsonToWire(*member.shape, *it);
      }
      return out;
    }
    case ShapeType::List: {
      json out = json::array();
      if (!value.is_array() || shape.list_member == nullptr) return out;
      for (const auto& item : value) out.push_back(JsonToWire(*shape.list_member, item));
      return out;
    }
    case ShapeType::Map: {
      json out = json::object();
      if (!value.is_object() || shape.map_value == nullptr) return out;
      for (auto& [k, v] : value.items()) out[k] = JsonToWire(*shape.map_value, v);
      return out;
    }
    case ShapeType::Timestamp: {
      if (value.is_number()) return value;
      std::string text = FormatTimestamp(value, "unixTimestamp");
      char* end = nullptr;
      double seconds = std::strtod(text.c_str(), &end);
      return end == text.c_str() + text.size() ? json(seconds) : json(text);
    }
    default:
      return value;
  }
}

std::unique_ptr<Codec> MakeJsonCodec(const ServiceModel& model) {
  return std::make_unique<JsonCodec>(model);
}

int ErrorStatus(const ServiceModel& model, const AwsError& error) {
  if (error.http_status() != 0) return error.http_status();
  if (const Shape* shape = model.FindError(error.code())) {
    if (shape->error_status != 0) return shape->error_status;
  }
  return 400;
}

std::unique_ptr<Codec> MakeCodec(const ServiceModel& model) {
  switch (model.protocol()) {
    case Protocol::Query:
      return MakeQueryCodec(model, false);
    case Protocol::Ec2:
      return MakeQueryCodec(model, true);
    case Protocol::Json:
      return MakeJsonCodec(model);
    case Protocol::RestJson:
      return MakeRestCodec(model, false);
    case Protocol::RestXml:
      return MakeRestCodec(model, true);
  }
  return nullptr;
}

}  // namespace gureum::protocol
