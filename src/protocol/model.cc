#include "protocol/model.h"

#include <mutex>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "protocol/embedded_models.h"
#include <malloc.h>

namespace gureum::protocol {
namespace {

// ordered_json keeps the model's member order, which is the order AWS writes XML elements in.
using json = nlohmann::ordered_json;

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool Flag(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

std::optional<double> Number(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

ShapeType ParseType(const std::string& type) {
  if (type == "structure") return ShapeType::Structure;
  if (type == "list") return ShapeType::List;
  if (type == "map") return ShapeType::Map;
  if (type == "integer") return ShapeType::Integer;
  if (type == "long") return ShapeType::Long;
  if (type == "float") return ShapeType::Float;
  if (type == "double") return ShapeType::Double;
  if (type == "boolean") return ShapeType::Boolean;
  if (type == "timestamp") return ShapeType::Timestamp;
  if (type == "blob") return ShapeType::Blob;
  return ShapeType::String;
}

Location ParseLocation(const std::string& location) {
  if (location == "uri") return Location::Uri;
  if (location == "querystring") return Location::QueryString;
  if (location == "header") return Location::Header;
  if (location == "headers") return Location::Headers;
  if (location == "statusCode") return Location::StatusCode;
  return Location::Body;
}

}  // namespace

std::string_view ProtocolName(Protocol protocol) {
  switch (protocol) {
    case Protocol::Query:
      return "query";
    case Protocol::Ec2:
      return "ec2";
    case Protocol::Json:
      return "json";
    case Protocol::RestJson:
      return "rest-json";
    case Protocol::RestXml:
      return "rest-xml";
  }
  return "?";
}

const Member* Shape::FindMember(std::string_view member_name) const {
  auto it = member_index.find(std::string(member_name));
  return it == member_index.end() ? nullptr : &members[it->second];
}

UriTemplate ParseUriTemplate(std::string_view request_uri) {
  UriTemplate out;
  std::string_view path = request_uri;
  size_t q = request_uri.find('?');
  if (q != std::string_view::npos) {
    path = request_uri.substr(0, q);
    std::string_view query = request_uri.substr(q + 1);
    while (!query.empty()) {
      size_t amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (pair.empty()) continue;
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos) {
        out.query.emplace_back(std::string(pair), std::nullopt);
      } else {
        out.query.emplace_back(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
      }
    }
  }
  size_t pos = 1;  // skip the leading '/'
  while (pos <= path.size() && path.size() > 1) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(pos, end - pos);
    UriTemplate::Segment segment;
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      std::string_view label = seg.substr(1, seg.size() - 2);
      if (!label.empty() && label.back() == '+') {
        segment.greedy = true;
        label.remove_suffix(1);
      }
      segment.label = std::string(label);
    } else {
      segment.literal = std::string(seg);
    }
    out.segments.push_back(std::move(segment));
    pos = end + 1;
  }
  return out;
}

Result<std::unique_ptr<ServiceModel>> ServiceModel::Parse(std::string_view key,
                                                          std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("metadata") ||
      !doc.contains("shapes") || !doc.contains("operations")) {
    return Fail(ErrorCode::InternalError, "AWS model '" + std::string(key) + "' is not valid");
  }
  auto model = std::unique_ptr<ServiceModel>(new ServiceModel());
  model->key_ = std::string(key);
  const json& meta = doc["metadata"];
  std::string protocol = Str(meta, "protocol");
  model->protocol_ = protocol == "ec2"         ? Protocol::Ec2
                     : protocol == "json"      ? Protocol::Json
                     : protocol == "rest-json" ? Protocol::RestJson
                     : protocol == "rest-xml"  ? Protocol::RestXml
                                               : Protocol::Query;
  model->api_version_ = Str(meta, "apiVersion");
  model->endpoint_prefix_ = Str(meta, "endpointPrefix");
  model->signing_name_ = Str(meta, "signingName");
  if (model->signing_name_.empty()) model->signing_name_ = model->endpoint_prefix_;
  model->target_prefix_ = Str(meta, "targetPrefix");
  model->json_version_ = Str(meta, "jsonVersion");
  model->xml_namespace_ = Str(meta, "xmlNamespace");
  model->service_id_ = Str(meta, "serviceId");

  // Two passes: create every shape, then link members to them.
  for (auto& [name, body] : doc["shapes"].items()) {
    auto shape = std::make_unique<Shape>();
    shape->name = name;
    shape->type = ParseType(Str(body, "type"));
    model->shapes_.emplace(name, std::move(shape));
  }
  auto lookup = [&](const json& ref) -> const Shape* {
    std::string target = Str(ref, "shape");
    auto it = model->shapes_.find(target);
    return it == model->shapes_.end() ? nullptr : it->second.get();
  };
  for (auto& [name, body] : doc["shapes"].items()) {
    Shape& shape = *model->shapes_[name];
    shape.min = Number(body, "min");
    shape.max = Number(body, "max");
    shape.timestamp_format = Str(body, "timestampFormat");
    shape.flattened = Flag(body, "flattened");
    shape.streaming = Flag(body, "streaming");
    shape.sensitive = Flag(body, "sensitive");
    shape.payload = Str(body, "payload");
    if (body.contains("xmlNamespace")) {
      shape.xml_namespace_uri = Str(body["xmlNamespace"], "uri");
      shape.xml_namespace_prefix = Str(body["xmlNamespace"], "prefix");
    }
    if (body.contains("enum") && body["enum"].is_array()) {
      for (const auto& v : body["enum"]) {
        if (v.is_string()) shape.enum_values.push_back(v.get<std::string>());
      }
    }
    if (body.contains("required") && body["required"].is_array()) {
      for (const auto& v : body["required"]) {
        if (v.is_string()) shape.required.push_back(v.get<std::string>());
      }
    }
    if (Flag(body, "exception")) {
      shape.exception = true;
      shape.error_code = name;
      if (body.contains("error") && body["error"].is_object()) {
        const json& error = body["error"];
        if (!Str(error, "code").empty()) shape.error_code = Str(error, "code");
        if (auto status = Number(error, "httpStatusCode")) shape.error_status = int(*status);
        shape.sender_fault = Flag(error, "senderFault") || shape.error_status < 500;
      }
      model->errors_by_code_.emplace(shape.error_code, &shape);
    }
    if (body.contains("members") && body["members"].is_object()) {
      for (auto& [member_name, m] : body["members"].items()) {
        Member member;
        member.name = member_name;
        member.shape = lookup(m);
        if (member.shape == nullptr) continue;
        member.location = ParseLocation(Str(m, "location"));
        member.location_name = Str(m, "locationName");
        member.query_name = Str(m, "queryName");
        member.flattened = Flag(m, "flattened");
        member.xml_attribute = Flag(m, "xmlAttribute");
        member.streaming = Flag(m, "streaming") || member.shape->streaming;
        member.idempotency_token = Flag(m, "idempotencyToken");
        member.timestamp_format = Str(m, "timestampFormat");
        if (m.contains("xmlNamespace")) {
          member.xml_namespace_uri = Str(m["xmlNamespace"], "uri");
          member.xml_namespace_prefix = Str(m["xmlNamespace"], "prefix");
        }
        shape.member_index.emplace(member_name, shape.members.size());
        shape.members.push_back(std::move(member));
      }
    }
    if (body.contains("member") && body["member"].is_object()) {
      shape.list_member = lookup(body["member"]);
      shape.list_member_location_name = Str(body["member"], "locationName");
    }
    if (body.contains("key") && body["key"].is_object()) {
      shape.map_key = lookup(body["key"]);
      if (!Str(body["key"], "locationName").empty()) {
        shape.map_key_name = Str(body["key"], "locationName");
      }
    }
    if (body.contains("value") && body["value"].is_object()) {
      shape.map_value = lookup(body["value"]);
      if (!Str(body["value"], "locationName").empty()) {
        shape.map_value_name = Str(body["value"], "locationName");
      }
    }
  }

  for (auto& [name, body] : doc["operations"].items()) {
    auto op = std::make_unique<Operation>();
    op->name = name;
    if (body.contains("http")) {
      const json& http = body["http"];
      if (!Str(http, "method").empty()) op->http_method = Str(http, "method");
      if (!Str(http, "requestUri").empty()) op->request_uri = Str(http, "requestUri");
      if (auto code = Number(http, "responseCode")) op->response_code = int(*code);
    }
    op->uri = ParseUriTemplate(op->request_uri);
    op->deprecated = Flag(body, "deprecated");
    if (body.contains("input")) op->input = lookup(body["input"]);
    if (body.contains("output")) {
      op->output = lookup(body["output"]);
      op->result_wrapper = Str(body["output"], "resultWrapper");
    }
    if (body.contains("errors") && body["errors"].is_array()) {
      for (const auto& e : body["errors"]) {
        if (const Shape* s = lookup(e)) op->errors.push_back(s);
      }
    }
    model->operation_index_.emplace(name, op.get());
    model->operations_.push_back(std::move(op));
  }
  return model;
}

const Operation* ServiceModel::FindOperation(std::string_view name) const {
  auto it = operation_index_.find(std::string(name));
  return it == operation_index_.end() ? nullptr : it->second;
}

const Shape* ServiceModel::FindShape(std::string_view name) const {
  auto it = shapes_.find(std::string(name));
  return it == shapes_.end() ? nullptr : it->second.get();
}

const Shape* ServiceModel::FindError(std::string_view code) const {
  auto it = errors_by_code_.find(std::string(code));
  return it == errors_by_code_.end() ? nullptr : it->second;
}

struct ModelRegistry::Slot {
  EmbeddedModel embedded;
  std::once_flag once;
  std::unique_ptr<ServiceModel> model;
};

ModelRegistry::ModelRegistry() {
  for (const auto& embedded : EmbeddedModels()) {
    auto slot = std::make_unique<Slot>();
    slot->embedded = embedded;
    slots_.push_back(std::move(slot));
  }
}

ModelRegistry& ModelRegistry::Instance() {
  static ModelRegistry registry;
  return registry;
}

const ServiceModel* ModelRegistry::Get(std::string_view key) {
  for (auto& slot : slots_) {
    if (slot->embedded.service != key) continue;
    std::call_once(slot->once, [&] {
      auto parsed = ServiceModel::Parse(slot->embedded.service, slot->embedded.json);
      if (parsed) {
        slot->model = std::move(*parsed);
      } else {
        spdlog::error("{}", parsed.error().message());
      }
      // The JSON document was several times the size of the model built from it; give the
      // freed pages back rather than carrying them as idle memory.
      malloc_trim(0);
    });
    return slot->model.get();
  }
  return nullptr;
}

void ModelRegistry::LoadAll() {
  for (auto& slot : slots_) Get(slot->embedded.service);
}

std::vector<std::string> ModelRegistry::Keys() const {
  std::vector<std::string> keys;
  for (const auto& slot : slots_) keys.emplace_back(slot->embedded.service);
  return keys;
}

}  // namespace gureum::protocol
