// The REST protocols: rest-xml (S3) and rest-json (RDS Data API). The operation is found by
// method, path template and required query parameters / headers; members travel in the URI,
// query string, headers or body, as the model's `location` traits say.

#include <algorithm>

#include <pugixml.hpp>

#include "protocol/codecs.h"
#include "protocol/xml_writer.h"

namespace gureum::protocol {
namespace {

using nlohmann::json;

struct PathMatch {
  std::map<std::string, std::string> labels;  // decoded label values
};

// Splits a raw path into decoded segments; a trailing slash yields no empty segment.
std::optional<std::vector<std::string>> DecodedSegments(std::string_view raw) {
  std::vector<std::string> out;
  if (raw.empty() || raw == "/") return out;
  if (raw.front() == '/') raw.remove_prefix(1);
  size_t pos = 0;
  while (pos <= raw.size()) {
    size_t end = raw.find('/', pos);
    if (end == std::string_view::npos) end = raw.size();
    auto seg = PercentDecode(raw.substr(pos, end - pos), false);
    if (!seg) return std::nullopt;
    out.push_back(std::move(*seg));
    pos = end + 1;
  }
  return out;
}

std::optional<PathMatch> MatchPath(const UriTemplate& tpl, std::string_view raw_path) {
  auto segments = DecodedSegments(raw_path);
  if (!segments) return std::nullopt;
  // "/bucket/" addresses the bucket, as "/bucket" does.
  if (!segments->empty() && segments->back().empty() &&
      (tpl.segments.empty() || !tpl.segments.back().greedy)) {
    segments->pop_back();
  }
  PathMatch match;
  size_t i = 0;
  for (size_t t = 0; t < tpl.segments.size(); ++t) {
    const auto& seg = tpl.segments[t];
    if (seg.greedy) {
      if (i >= segments->size()) return std::nullopt;
      std::string rest;
      for (size_t j = i; j < segments->size(); ++j) {
        if (j > i) rest += '/';
        rest += (*segments)[j];
      }
      if (rest.empty()) return std::nullopt;
      match.labels[seg.label] = std::move(rest);
      return match;
    }
    if (i >= segments->size()) return std::nullopt;
    const std::string& value = (*segments)[i++];
    if (seg.label.empty()) {
      if (value != seg.literal) return std::nullopt;
    } else {
      if (value.empty()) return std::nullopt;
      match.labels[seg.label] = value;
    }
  }
  if (i != segments->size()) return std::nullopt;
  return match;
}

// Whether a path's decoded segments fit a template, without building the labels: the cheap test
// Resolve runs against every operation.
bool Fits(const UriTemplate& tpl, const std::vector<std::string>& segments) {
  size_t n = segments.size();
  bool greedy_last = !tpl.segments.empty() && tpl.segments.back().greedy;
  if (n > 0 && segments[n - 1].empty() && !greedy_last) --n;
  size_t i = 0;
  for (const auto& seg : tpl.segments) {
    if (seg.greedy) {
      if (i >= n) return false;
      for (size_t j = i; j < n; ++j) {
        if (!segments[j].empty() || j + 1 < n) return true;  // the rest is non-empty
      }
      return false;
    }
    if (i >= n) return false;
    const std::string& value = segments[i++];
    if (seg.label.empty() ? value != seg.literal : value.empty()) return false;
  }
  return i == n;
}

std::string_view LocalName(std::string_view name) {
  size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

std::vector<pugi::xml_node> ChildrenNamed(const pugi::xml_node& node, std::string_view name) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node child = node.first_child(); child; child = child.next_sibling()) {
    if (child.type() == pugi::node_element && LocalName(child.name()) == name) {
      out.push_back(child);
    }
  }
  return out;
}

class RestCodec final : public Codec {
 public:
  RestCodec(const ServiceModel& model, bool xml) : model_(model), xml_(xml) {}

  Result<const Operation*> Resolve(const WireRequest& request) const override {
    const Operation* best = nullptr;
    int best_score = -1;
    bool path_matched = false;
    auto segments = DecodedSegments(request.path);
    if (!segments) {
      return Fail(AwsError(ErrorCode::InvalidRequest,
                           "The request path is not valid "
                           "percent-encoding"));
    }
    for (const auto& op : model_.operations()) {
      if (!Fits(op->uri, *segments)) continue;
      if (!QueryLiteralsPresent(*op, request)) continue;
      path_matched = true;
      if (op->http_method != request.http->method) continue;
      int score = Specificity(*op, request);
      if (score < 0) continue;
      if (score > best_score) {
        best = op.get();
        best_score = score;
      }
    }
    if (best != nullptr) return best;
    if (path_matched) {
      return Fail(AwsError(ErrorCode::MethodNotAllowed,
                           "The specified method is not allowed against this resource.")
                      .With("Method", request.http->method)
                      .With("ResourceType", "OBJECT"));
    }
    return Fail(AwsError(ErrorCode::InvalidRequest,
                         "No " + model_.service_id() + " operation matches " +
                             request.http->method + " " + std::string(request.path)));
  }

  Result<json> DecodeInput(const Operation& op, const WireRequest& request) const override {
    json input = json::object();
    if (op.input == nullptr) return input;
    auto match = MatchPath(op.uri, request.path);
    const Shape& shape = *op.input;
    std::vector<std::string> claimed_query;
    for (const auto& member : shape.members) {
      if (member.location == Location::QueryString) claimed_query.push_back(member.WireName());
    }
    for (const auto& member : shape.members) {
      const std::string& wire = member.WireName();
      switch (member.location) {
        case Location::Uri: {
          if (!match) break;
          auto it = match->labels.find(wire);
          if (it != match->labels.end()) input[member.name] = it->second;
          break;
        }
        case Location::QueryString: {
          if (request.query == nullptr) break;
          GUREUM_TRY(json value, DecodeQueryMember(member, *request.query, claimed_query));
          if (!value.is_null()) input[member.name] = std::move(value);
          break;
        }
        case Location::Header: {
          auto header = request.http->headers.Get(wire);
          if (!header) break;
          GUREUM_TRY(json value, DecodeHeaderMember(member, *header));
          input[member.name] = std::move(value);
          break;
        }
        case Location::Headers: {
          json map = json::object();
          std::string prefix = ToLower(wire);
          for (const auto& [name, value] : request.http->headers.entries()) {
            std::string lower = ToLower(name);
            if (StartsWith(lower, prefix)) map[lower.substr(prefix.size())] = value;
          }
          if (!map.empty()) input[member.name] = std::move(map);
          break;
        }
        case Location::StatusCode:
        case Location::Body:
          break;
      }
    }
    GUREUM_RETURN_IF_ERROR(DecodeBody(shape, request, input));
    if (!xml_) GUREUM_RETURN_IF_ERROR(Validate(shape, input, ValidationStyle::Json));
    return input;
  }

  http::Response EncodeOutput(const Operation& op, const json& output,
                              const ResponseContext& context) const override {
    http::Response response;
    response.status = op.response_code;
    if (op.output == nullptr || !output.is_object()) {
      if (!xml_) {
        response.headers.Add("Content-Type", "application/json");
        response.body = "{}";
      }
      return response;
    }
    const Shape& shape = *op.output;
    bool body_members = false;
    for (const auto& member : shape.members) {
      auto it = output.find(member.name);
      if (it == output.end() || it->is_null()) continue;
      switch (member.location) {
        case Location::Header:
          response.headers.Add(member.WireName(), HeaderText(member, *it));
          break;
        case Location::Headers:
          if (it->is_object()) {
            for (auto& [k, v] : it->items()) {
              response.headers.Add(member.WireName() + k,
                                   v.is_string() ? v.get<std::string>() : DumpJson(v));
            }
          }
          break;
        case Location::StatusCode:
          if (it->is_number_integer()) response.status = it->get<int>();
          break;
        default:
          if (member.name != shape.payload) body_members = true;
          break;
      }
    }
    if (!shape.payload.empty()) {
      const Member* payload = shape.FindMember(shape.payload);
      auto it = output.find(shape.payload);
      if (payload != nullptr && it != output.end() && !it->is_null()) {
        if (payload->shape->type == ShapeType::Structure) {
          if (xml_) {
            std::string root =
                payload->location_name.empty() ? payload->shape->name : payload->location_name;
            std::string ns = !payload->xml_namespace_uri.empty() ? payload->xml_namespace_uri
                             : !payload->shape->xml_namespace_uri.empty()
                                 ? payload->shape->xml_namespace_uri
                                 : DefaultNamespace();
            response.body = XmlDocument(root, ns, *payload->shape, *it);
            response.headers.Add("Content-Type", "application/xml");
          } else {
            response.body = DumpJson(JsonToWire(*payload->shape, *it));
            response.headers.Add("Content-Type", "application/json");
          }
        } else if (it->is_string()) {
          response.body = it->get<std::string>();
        }
      }
    } else if (body_members) {
      if (xml_) {
        std::string root = context.xml_root.empty() ? op.name + "Result" : context.xml_root;
        response.body = XmlDocument(root, DefaultNamespace(), shape, output);
        response.headers.Add("Content-Type", "application/xml");
      } else {
        response.body = DumpJson(JsonToWire(shape, output));
        response.headers.Add("Content-Type", "application/json");
      }
    }
    return response;
  }

  http::Response EncodeError(const AwsError& error, const ResponseContext& context) const override {
    http::Response response;
    response.status = ErrorStatus(model_, error);
    for (const auto& [name, value] : error.headers()) response.headers.Add(name, value);
    if (xml_) {
      // S3 answers HEAD errors with the status and headers only.
      if (context.head) return response;
      XmlWriter w;
      w.Declaration();
      w.Open("Error");
      w.Element("Code", error.code());
      w.Element("Message", error.message());
      for (const auto& [name, value] : error.details()) w.Element(name, value);
      if (!error.resource().empty() || !context.resource.empty()) {
        w.Element("Resource", error.resource().empty() ? context.resource : error.resource());
      }
      w.Element("RequestId", context.request_id);
      w.Close("Error");
      response.headers.Add("Content-Type", "application/xml");
      response.body = w.Take();
    } else {
      response.headers.Add("x-amzn-ErrorType", error.code());
      response.headers.Add("Content-Type", "application/json");
      response.body = DumpJson(json{{"__type", error.code()}, {"message", error.message()}});
    }
    return response;
  }

 private:
  std::string DefaultNamespace() const {
    if (model_.key() == "s3") return "http://s3.amazonaws.com/doc/2006-03-01/";
    return model_.xml_namespace();
  }

  static bool QueryLiteralsPresent(const Operation& op, const WireRequest& request) {
    for (const auto& [name, value] : op.uri.query) {
      auto found = request.query ? FindParam(*request.query, name) : std::nullopt;
      if (!found) return false;
      if (value && *found != *value) return false;
    }
    return true;
  }

  // How precisely an operation fits: -1 when a required header or query member is missing,
  // else a score favouring more query literals and required members, then current operations.
  static int Specificity(const Operation& op, const WireRequest& request) {
    int score = static_cast<int>(op.uri.query.size()) * 8;
    if (op.input != nullptr) {
      for (const auto& name : op.input->required) {
        const Member* member = op.input->FindMember(name);
        if (member == nullptr) continue;
        if (member->location == Location::Header) {
          if (!request.http->headers.Has(member->WireName())) return -1;
          score += 4;
        } else if (member->location == Location::QueryString) {
          if (request.query == nullptr || !FindParam(*request.query, member->WireName())) {
            return -1;
          }
          score += 4;
        }
      }
    }
    if (!op.deprecated) score += 1;
    return score;
  }

  static std::string_view TimestampFormat(const Member& member, std::string_view fallback) {
    if (!member.timestamp_format.empty()) return member.timestamp_format;
    if (!member.shape->timestamp_format.empty()) return member.shape->timestamp_format;
    return fallback;
  }

  Result<json> DecodeQueryMember(const Member& member, const QueryParams& query,
                                 const std::vector<std::string>& claimed) const {
    const Shape& shape = *member.shape;
    if (shape.type == ShapeType::Map) {
      json map = json::object();
      for (const auto& [name, value] : query) {
        if (std::find(claimed.begin(), claimed.end(), name) != claimed.end()) continue;
        map[name] = value;
      }
      return map.empty() ? json() : map;
    }
    if (shape.type == ShapeType::List) {
      json list = json::array();
      for (const auto& [name, value] : query) {
        if (name != member.WireName() || shape.list_member == nullptr) continue;
        auto parsed = ParseScalar(*shape.list_member, value, "iso8601");
        if (!parsed) return Fail(BadValue(member, value));
        list.push_back(std::move(*parsed));
      }
      return list.empty() ? json() : list;
    }
    auto value = FindParam(query, member.WireName());
    if (!value) return json();
    auto parsed = ParseScalar(shape, *value, TimestampFormat(member, "iso8601"));
    if (!parsed) return Fail(BadValue(member, *value));
    return *parsed;
  }

  Result<json> DecodeHeaderMember(const Member& member, std::string_view text) const {
    const Shape& shape = *member.shape;
    if (shape.type == ShapeType::List) {
      json list = json::array();
      size_t pos = 0;
      while (pos <= text.size() && shape.list_member != nullptr) {
        size_t comma = text.find(',', pos);
        if (comma == std::string_view::npos) comma = text.size();
        std::string_view item = Trim(text.substr(pos, comma - pos));
        auto parsed = ParseScalar(*shape.list_member, item, "rfc822");
        if (!parsed) return Fail(BadValue(member, item));
        list.push_back(std::move(*parsed));
        pos = comma + 1;
      }
      return list;
    }
    auto parsed = ParseScalar(shape, Trim(text), TimestampFormat(member, "rfc822"));
    if (!parsed) return Fail(BadValue(member, text));
    return *parsed;
  }

  static AwsError BadValue(const Member& member, std::string_view value) {
    return AwsError(ErrorCode::InvalidArgument,
                    "Invalid value '" + std::string(value) + "' for " + member.WireName())
        .With("ArgumentName", member.WireName())
        .With("ArgumentValue", std::string(value));
  }

  Status DecodeBody(const Shape& shape, const WireRequest& request, json& input) const {
    if (request.body.empty()) return Ok();
    if (!shape.payload.empty()) {
      const Member* payload = shape.FindMember(shape.payload);
      if (payload == nullptr) return Ok();
      if (payload->shape->type != ShapeType::Structure) {
        if (!payload->streaming) input[payload->name] = std::string(request.body);
        return Ok();
      }
      if (xml_) {
        GUREUM_TRY(json value, ParseXmlBody(*payload->shape, request.body));
        input[payload->name] = std::move(value);
      } else {
        json wire = json::parse(request.body, nullptr, false);
        if (wire.is_discarded()) {
          return Fail(AwsError(ErrorCode::SerializationError, "Request body is not valid JSON"));
        }
        GUREUM_TRY(json value, JsonFromWire(*payload->shape, wire, payload->name));
        input[payload->name] = std::move(value);
      }
      return Ok();
    }
    // No payload member: body members are the document's top level.
    if (xml_) {
      GUREUM_TRY(json value, ParseXmlBody(shape, request.body));
      for (auto& [k, v] : value.items()) input[k] = v;
    } else {
      json wire = json::parse(request.body, nullptr, false);
      if (wire.is_discarded() || !wire.is_object()) {
        return Fail(AwsError(ErrorCode::SerializationError, "Request body is not valid JSON"));
      }
      GUREUM_TRY(json value, JsonFromWire(shape, wire, ""));
      for (auto& [k, v] : value.items()) {
        const Member* member = shape.FindMember(k);
        if (member != nullptr && member->location == Location::Body) input[k] = v;
      }
    }
    return Ok();
  }

  static AwsError Malformed() {
    return AwsError(ErrorCode::MalformedXML,
                    "The XML you provided was not well-formed or did not validate against our "
                    "published schema");
  }

  Result<json> ParseXmlBody(const Shape& shape, std::string_view body) const {
    pugi::xml_document doc;
    auto parsed =
        doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!parsed) return Fail(Malformed());
    pugi::xml_node root = doc.document_element();
    if (!root) return Fail(Malformed());
    return XmlToJson(shape, root);
  }

  Result<json> XmlToJson(const Shape& shape, const pugi::xml_node& node) const {
    switch (shape.type) {
      case ShapeType::Structure: {
        json out = json::object();
        for (const auto& member : shape.members) {
          if (member.location != Location::Body) continue;
          if (member.xml_attribute) {
            for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
              if (LocalName(a.name()) == LocalName(member.WireName())) {
                auto parsed = ParseScalar(*member.shape, a.value(), "iso8601");
                if (!parsed) return Fail(Malformed());
                out[member.name] = *parsed;
              }
            }
            continue;
          }
          const Shape& ms = *member.shape;
          bool flattened = member.flattened || ms.flattened;
          if (ms.type == ShapeType::List && flattened) {
            auto items = ChildrenNamed(node, member.WireName());
            if (items.empty()) continue;
            json list = json::array();
            for (const auto& item : items) {
              GUREUM_TRY(json value, XmlToJson(*ms.list_member, item));
              list.push_back(std::move(value));
            }
            out[member.name] = std::move(list);
            continue;
          }
          auto children = ChildrenNamed(node, member.WireName());
          if (children.empty()) continue;
          GUREUM_TRY(json value, XmlToJson(ms, children.front()));
          out[member.name] = std::move(value);
        }
        return out;
      }
      case ShapeType::List: {
        json list = json::array();
        if (shape.list_member == nullptr) return list;
        std::string item =
            shape.list_member_location_name.empty() ? "member" : shape.list_member_location_name;
        for (const auto& child : ChildrenNamed(node, item)) {
          GUREUM_TRY(json value, XmlToJson(*shape.list_member, child));
          list.push_back(std::move(value));
        }
        return list;
      }
      case ShapeType::Map: {
        json map = json::object();
        if (shape.map_key == nullptr || shape.map_value == nullptr) return map;
        for (const auto& entry : ChildrenNamed(node, "entry")) {
          auto key = ChildrenNamed(entry, shape.map_key_name);
          auto value = ChildrenNamed(entry, shape.map_value_name);
          if (key.empty()) continue;
          json v;
          if (!value.empty()) {
            GUREUM_TRY(v, XmlToJson(*shape.map_value, value.front()));
          }
          map[key.front().text().get()] = std::move(v);
        }
        return map;
      }
      default: {
        auto parsed = ParseScalar(shape, node.text().get(), shape.timestamp_format);
        if (!parsed) return Fail(Malformed());
        return *parsed;
      }
    }
  }

  std::string XmlDocument(const std::string& root, const std::string& ns, const Shape& shape,
                          const json& value) const {
    XmlWriter w;
    w.Declaration();
    w.Open(root, ns);
    WriteMembers(w, shape, value);
    w.Close(root);
    return w.Take();
  }

  void WriteMembers(XmlWriter& w, const Shape& shape, const json& value) const {
    if (!value.is_object()) return;
    for (const auto& member : shape.members) {
      if (member.location != Location::Body || member.xml_attribute) continue;
      auto it = value.find(member.name);
      if (it == value.end() || it->is_null()) continue;
      WriteValue(w, member.WireName(), *member.shape, member.flattened, member, *it);
    }
  }

  void WriteValue(XmlWriter& w, const std::string& name, const Shape& shape, bool member_flattened,
                  const Member& member, const json& value) const {
    switch (shape.type) {
      case ShapeType::Structure: {
        // Attributes (S3's <Grantee xsi:type="...">) and the namespace prefix they use.
        std::vector<std::pair<std::string, std::string>> attributes;
        if (!shape.xml_namespace_prefix.empty()) {
          attributes.emplace_back("xmlns:" + shape.xml_namespace_prefix, shape.xml_namespace_uri);
        }
        if (value.is_object()) {
          for (const auto& m : shape.members) {
            if (!m.xml_attribute) continue;
            auto it = value.find(m.name);
            if (it == value.end() || it->is_null()) continue;
            attributes.emplace_back(m.WireName(), ScalarText(*m.shape, *it, "iso8601"));
          }
        }
        w.OpenWithAttributes(name, attributes);
        WriteMembers(w, shape, value);
        w.Close(name);
        return;
      }
      case ShapeType::List: {
        if (!value.is_array() || shape.list_member == nullptr) return;
        Member element;
        element.shape = shape.list_member;
        std::string item =
            shape.list_member_location_name.empty() ? "member" : shape.list_member_location_name;
        if (member_flattened || shape.flattened) {
          for (const auto& v : value) WriteValue(w, name, *shape.list_member, false, element, v);
          return;
        }
        w.Open(name);
        for (const auto& v : value) WriteValue(w, item, *shape.list_member, false, element, v);
        w.Close(name);
        return;
      }
      case ShapeType::Map: {
        if (!value.is_object() || shape.map_value == nullptr) return;
        Member element;
        element.shape = shape.map_value;
        w.Open(name);
        for (auto& [k, v] : value.items()) {
          w.Open("entry");
          w.Element(shape.map_key_name, k);
          WriteValue(w, shape.map_value_name, *shape.map_value, false, element, v);
          w.Close("entry");
        }
        w.Close(name);
        return;
      }
      default:
        w.Element(name, ScalarText(shape, value, TimestampFormat(member, "iso8601")));
    }
  }

  std::string HeaderText(const Member& member, const json& value) const {
    const Shape& shape = *member.shape;
    if (shape.type == ShapeType::List && value.is_array()) {
      std::string out;
      for (const auto& item : value) {
        if (!out.empty()) out += ", ";
        out += shape.list_member ? ScalarText(*shape.list_member, item, "rfc822") : DumpJson(item);
      }
      return out;
    }
    return ScalarText(shape, value, TimestampFormat(member, "rfc822"));
  }

  const ServiceModel& model_;
  bool xml_;
};

}  // namespace

std::unique_ptr<Codec> MakeRestCodec(const ServiceModel& model, bool xml) {
  return std::make_unique<RestCodec>(model, xml);
}

}  // namespace gureum::protocol
