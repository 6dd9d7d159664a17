// The Query protocol (IAM, STS, RDS, CloudWatch) and its EC2 variant. Requests are flat
// key=value parameters (Tags.member.1.Key=...); responses are XML. The two differ in parameter
// names (EC2: queryName or capitalised locationName), list encoding (EC2 always flattened:
// Name.1), response envelope (EC2 has no <OpResult> and a lowerCamel <requestId>) and error
// envelope (<ErrorResponse> vs <Response><Errors>).

#include <algorithm>
#include <charconv>
#include <map>

#include "protocol/codec.h"
#include "protocol/codecs.h"
#include "protocol/xml_writer.h"

namespace gureum::protocol {
namespace {

using nlohmann::json;

// The flat parameters as a tree split on '.', so that "Tags.member.2.Key" is a path.
struct ParamNode {
  std::optional<std::string> value;
  std::map<std::string, ParamNode, std::less<>> children;

  const ParamNode* Child(std::string_view name) const {
    auto it = children.find(name);
    return it == children.end() ? nullptr : &it->second;
  }
  bool Empty() const { return !value && children.empty(); }
};

ParamNode BuildTree(const QueryParams& params) {
  ParamNode root;
  for (const auto& [name, value] : params) {
    ParamNode* node = &root;
    size_t pos = 0;
    while (pos <= name.size()) {
      size_t dot = name.find('.', pos);
      if (dot == std::string::npos) dot = name.size();
      node = &node->children[name.substr(pos, dot - pos)];
      pos = dot + 1;
    }
    if (!node->value) node->value = value;  // the first of repeated keys wins
  }
  return root;
}

// Children named by positive integers, in numeric order.
std::vector<const ParamNode*> Indexed(const ParamNode& node) {
  std::vector<std::pair<uint64_t, const ParamNode*>> items;
  for (const auto& [name, child] : node.children) {
    uint64_t index = 0;
    auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), index);
    if (ec == std::errc() && ptr == name.data() + name.size() && index > 0) {
      items.emplace_back(index, &child);
    }
  }
  std::sort(items.begin(), items.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const ParamNode*> out;
  for (auto& item : items) out.push_back(item.second);
  return out;
}

std::string Capitalize(std::string_view name) {
  std::string out(name);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z')
    out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

class QueryCodec final : public Codec {
 public:
  QueryCodec(const ServiceModel& model, bool ec2) : model_(model), ec2_(ec2) {
    xmlns_ = model.xml_namespace();
    if (ec2_ && !xmlns_.empty() && xmlns_.back() != '/') xmlns_ += '/';
  }

  Result<const Operation*> Resolve(const WireRequest& request) const override {
    auto action = request.params ? FindParam(*request.params, "Action") : std::nullopt;
    if (!action || action->empty()) {
      return Fail(ErrorCode::MissingAction, "Request is missing Action parameter");
    }
    if (const Operation* op = model_.FindOperation(*action)) return op;
    return Fail(AwsError(ErrorCode::InvalidAction, "Could not find operation " +
                                                       std::string(*action) + " for version " +
                                                       model_.api_version()));
  }

  Result<json> DecodeInput(const Operation& op, const WireRequest& request) const override {
    if (op.input == nullptr) return json::object();
    ParamNode root = BuildTree(*request.params);
    std::string error;
    json input = DecodeStructure(*op.input, root, "", error);
    if (!error.empty()) {
      if (ec2_) return Fail(AwsError(ErrorCode::InvalidParameterValue, error));
      return Fail(AwsError(ErrorCode::ValidationError, error));
    }
    GUREUM_RETURN_IF_ERROR(
        Validate(*op.input, input, ec2_ ? ValidationStyle::Ec2 : ValidationStyle::Query));
    return input;
  }

  http::Response EncodeOutput(const Operation& op, const json& output,
                              const ResponseContext& context) const override {
    XmlWriter w;
    std::string root = op.name + "Response";
    if (ec2_) {
      w.Declaration();
      w.Open(root, xmlns_);
      w.Element("requestId", context.request_id);
      if (op.output) WriteMembers(w, *op.output, output);
      w.Close(root);
    } else {
      w.Open(root, xmlns_);
      if (op.output) {
        std::string wrapper = op.result_wrapper.empty() ? op.name + "Result" : op.result_wrapper;
        w.Open(wrapper);
        WriteMembers(w, *op.output, output);
        w.Close(wrapper);
      }
      w.Open("ResponseMetadata");
      w.Element("RequestId", context.request_id);
      w.Close("ResponseMetadata");
      w.Close(root);
    }
    http::Response response;
    response.status = 200;
    response.headers.Add("Content-Type", "text/xml");
    response.body = w.Take();
    return response;
  }

  http::Response EncodeError(const AwsError& error, const ResponseContext& context) const override {
    XmlWriter w;
    if (ec2_) {
      w.Declaration();
      w.Open("Response");
      w.Open("Errors");
      w.Open("Error");
      w.Element("Code", error.code());
      w.Element("Message", error.message());
      w.Close("Error");
      w.Close("Errors");
      w.Element("RequestID", context.request_id);
      w.Close("Response");
    } else {
      w.Open("ErrorResponse", xmlns_);
      w.Open("Error");
      w.Element("Type", error.sender_fault() ? "Sender" : "Receiver");
      w.Element("Code", error.code());
      w.Element("Message", error.message());
      w.Close("Error");
      w.Element("RequestId", context.request_id);
      w.Close("ErrorResponse");
    }
    http::Response response;
    response.status = ErrorStatus(model_, error);
    response.headers.Add("Content-Type", "text/xml");
    response.body = w.Take();
    return response;
  }

 private:
  // The parameter name of a structure member.
  std::string ParamName(const Member& member) const {
    if (!ec2_) return member.WireName();
    if (!member.query_name.empty()) return member.query_name;
    if (!member.location_name.empty()) return Capitalize(member.location_name);
    return member.name;
  }

  json DecodeStructure(const Shape& shape, const ParamNode& node, const std::string& path,
                       std::string& error) const {
    json out = json::object();
    for (const auto& member : shape.members) {
      const ParamNode* child = node.Child(ParamName(member));
      // Tolerate the member's own name when the model renames it on the wire.
      if (child == nullptr && !ec2_) child = node.Child(member.name);
      if (child == nullptr) continue;
      std::string member_path = path.empty() ? member.name : path + "." + member.name;
      json value = Decode(*member.shape, member, *child, member_path, error);
      if (!error.empty()) return out;
      if (!value.is_null()) out[member.name] = std::move(value);
    }
    return out;
  }

  json Decode(const Shape& shape, const Member& member, const ParamNode& node,
              const std::string& path, std::string& error) const {
    switch (shape.type) {
      case ShapeType::Structure:
        return DecodeStructure(shape, node, path, error);
      case ShapeType::List: {
        json out = json::array();
        const ParamNode* items = &node;
        if (!ec2_ && !shape.flattened && !member.flattened) {
          const std::string& name =
              shape.list_member_location_name.empty() ? "member" : shape.list_member_location_name;
          items = node.Child(name);
          if (items == nullptr) items = node.Child("member");
          if (items == nullptr) return out;  // "Names=" or absent: an empty list
        }
        if (shape.list_member == nullptr) return out;
        Member element;
        element.shape = shape.list_member;
        for (const ParamNode* item : Indexed(*items)) {
          out.push_back(Decode(*shape.list_member, element, *item, path, error));
          if (!error.empty()) return out;
        }
        return out;
      }
      case ShapeType::Map: {
        json out = json::object();
        const ParamNode* entries = (shape.flattened || ec2_) ? &node : node.Child("entry");
        if (entries == nullptr || shape.map_key == nullptr || shape.map_value == nullptr) {
          return out;
        }
        Member element;
        element.shape = shape.map_value;
        for (const ParamNode* entry : Indexed(*entries)) {
          const ParamNode* key = entry->Child(shape.map_key_name);
          const ParamNode* value = entry->Child(shape.map_value_name);
          if (key == nullptr || !key->value) continue;
          json decoded = value ? Decode(*shape.map_value, element, *value, path, error) : json();
          if (!error.empty()) return out;
          out[*key->value] = std::move(decoded);
        }
        return out;
      }
      default: {
        if (!node.value) return json();
        std::string_view format =
            member.timestamp_format.empty() ? shape.timestamp_format : member.timestamp_format;
        auto parsed = ParseScalar(shape, *node.value, format);
        if (!parsed) {
          error = ec2_ ? "Value (" + *node.value + ") for parameter " + path + " is invalid."
                       : "1 validation error detected: Value '" + *node.value + "' at '" + path +
                             "' failed to satisfy constraint: Member must be a valid " +
                             TypeName(shape.type);
          return json();
        }
        return *parsed;
      }
    }
  }

  static const char* TypeName(ShapeType type) {
    switch (type) {
      case ShapeType::Integer:
      case ShapeType::Long:
        return "integer";
      case ShapeType::Float:
      case ShapeType::Double:
        return "number";
      case ShapeType::Boolean:
        return "boolean";
      case ShapeType::Timestamp:
        return "timestamp";
      default:
        return "value";
    }
  }

  void WriteMembers(XmlWriter& w, const Shape& shape, const json& value) const {
    if (!value.is_object()) return;
    for (const auto& member : shape.members) {
      auto it = value.find(member.name);
      if (it == value.end() || it->is_null()) continue;
      WriteValue(w, member.WireName(), *member.shape, member, *it);
    }
  }

  void WriteValue(XmlWriter& w, const std::string& name, const Shape& shape, const Member& member,
                  const json& value) const {
    switch (shape.type) {
      case ShapeType::Structure:
        w.Open(name);
        WriteMembers(w, shape, value);
        w.Close(name);
        return;
      case ShapeType::List: {
        if (!value.is_array() || shape.list_member == nullptr) return;
        Member element;
        element.shape = shape.list_member;
        bool flattened = shape.flattened || member.flattened;
        std::string item_name = shape.list_member_location_name.empty()
                                    ? (ec2_ ? "item" : "member")
                                    : shape.list_member_location_name;
        if (flattened) {
          for (const auto& item : value) WriteValue(w, name, *shape.list_member, element, item);
          return;
        }
        w.Open(name);
        for (const auto& item : value) WriteValue(w, item_name, *shape.list_member, element, item);
        w.Close(name);
        return;
      }
      case ShapeType::Map: {
        if (!value.is_object() || shape.map_value == nullptr) return;
        Member element;
        element.shape = shape.map_value;
        if (!shape.flattened) w.Open(name);
        for (auto& [k, v] : value.items()) {
          w.Open(shape.flattened ? name : "entry");
          w.Element(shape.map_key_name, k);
          WriteValue(w, shape.map_value_name, *shape.map_value, element, v);
          w.Close(shape.flattened ? name : "entry");
        }
        if (!shape.flattened) w.Close(name);
        return;
      }
      default: {
        std::string_view format =
            member.timestamp_format.empty() ? shape.timestamp_format : member.timestamp_format;
        w.Element(name, ScalarText(shape, value, format));
      }
    }
  }

  const ServiceModel& model_;
  bool ec2_;
  std::string xmlns_;
};

}  // namespace

std::unique_ptr<Codec> MakeQueryCodec(const ServiceModel& model, bool ec2) {
  return std::make_unique<QueryCodec>(model, ec2);
}

}  // namespace gureum::protocol
