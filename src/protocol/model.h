#pragma once
// An AWS service model (botocore's service-2.json) as C++ structures: operations, their HTTP
// bindings, and the shapes of their inputs, outputs and errors. Codecs walk these to decode
// requests and encode responses, so every operation's wire shape is right by construction.
//
// Models are immutable once loaded and shared freely between threads.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gureum/core/error.h"

namespace gureum::protocol {

enum class Protocol { Query, Ec2, Json, RestJson, RestXml };
std::string_view ProtocolName(Protocol protocol);

enum class ShapeType {
  Structure,
  List,
  Map,
  String,
  Integer,
  Long,
  Float,
  Double,
  Boolean,
  Timestamp,
  Blob
};

struct Shape;

// Where a member travels in REST protocols; body otherwise.
enum class Location { Body, Uri, QueryString, Header, Headers, StatusCode };

struct Member {
  std::string name;  // the model's member name: the key in handlers' JSON
  const Shape* shape = nullptr;
  Location location = Location::Body;
  std::string location_name;  // wire name when it differs (XML element, header, query key)
  std::string query_name;     // EC2 protocol's explicit parameter name
  bool flattened = false;     // XML: list/map members without a wrapping element
  bool xml_attribute = false;
  std::string xml_namespace_uri;
  std::string xml_namespace_prefix;
  bool streaming = false;
  bool idempotency_token = false;
  std::string timestamp_format;  // member-level override
  // The name on the wire: location_name if set, else name.
  const std::string& WireName() const { return location_name.empty() ? name : location_name; }
};

struct Shape {
  std::string name;
  ShapeType type = ShapeType::String;
  // Structure
  std::vector<Member> members;
  std::unordered_map<std::string, size_t> member_index;
  std::vector<std::string> required;
  std::string payload;  // REST: the member that is the whole body
  bool exception = false;
  std::string error_code;  // exception shapes: the wire code (defaults to the shape name)
  int error_status = 0;    // exception shapes: HTTP status, when the model says
  bool sender_fault = true;
  // List
  const Shape* list_member = nullptr;
  std::string list_member_location_name;  // XML element per item ("member", "item"...)
  // Map
  const Shape* map_key = nullptr;
  const Shape* map_value = nullptr;
  std::string map_key_name = "key";
  std::string map_value_name = "value";
  // List and map
  bool flattened = false;
  // Scalars
  std::vector<std::string> enum_values;
  std::optional<double> min, max;
  std::string timestamp_format;  // "iso8601", "rfc822", "unixTimestamp" or empty
  bool streaming = false;        // blob or string sent as a raw stream
  bool sensitive = false;
  std::string xml_namespace_uri;
  std::string xml_namespace_prefix;  // e.g. "xsi" for S3's Grantee (declared on the element)

  const Member* FindMember(std::string_view member_name) const;
};

// A REST URI template ("/{Bucket}/{Key+}?uploads") taken apart for matching.
struct UriTemplate {
  struct Segment {
    std::string literal;  // when not a label
    std::string label;    // "Bucket" for {Bucket}
    bool greedy = false;  // {Key+}: the rest of the path, slashes included
  };
  std::vector<Segment> segments;
  // Query parameters the template requires, with a required value when given ("list-type=2").
  std::vector<std::pair<std::string, std::optional<std::string>>> query;
};

struct Operation {
  std::string name;
  std::string http_method = "POST";
  std::string request_uri = "/";
  UriTemplate uri;
  int response_code = 200;
  const Shape* input = nullptr;   // may be null
  const Shape* output = nullptr;  // may be null
  std::string result_wrapper;     // Query: <OpResult> element name
  bool deprecated = false;        // REST matching prefers the current of two same-URI operations
  std::vector<const Shape*> errors;
};

class ServiceModel {
 public:
  // Parses a model. Fails only on a model that does not describe a service.
  static Result<std::unique_ptr<ServiceModel>> Parse(std::string_view key, std::string_view json);

  const std::string& key() const { return key_; }  // "sts", "cloudwatch"...
  Protocol protocol() const { return protocol_; }
  const std::string& api_version() const { return api_version_; }
  const std::string& endpoint_prefix() const { return endpoint_prefix_; }
  const std::string& signing_name() const { return signing_name_; }
  const std::string& target_prefix() const { return target_prefix_; }
  const std::string& json_version() const { return json_version_; }
  const std::string& xml_namespace() const { return xml_namespace_; }
  const std::string& service_id() const { return service_id_; }

  const Operation* FindOperation(std::string_view name) const;
  const std::vector<std::unique_ptr<Operation>>& operations() const { return operations_; }
  const Shape* FindShape(std::string_view name) const;
  // The exception shape whose wire code is `code`, if the model declares one.
  const Shape* FindError(std::string_view code) const;

 private:
  std::string key_;
  Protocol protocol_ = Protocol::Query;
  std::string api_version_, endpoint_prefix_, signing_name_, target_prefix_, json_version_,
      xml_namespace_, service_id_;
  std::unordered_map<std::string, std::unique_ptr<Shape>> shapes_;
  std::vector<std::unique_ptr<Operation>> operations_;
  std::unordered_map<std::string, const Operation*> operation_index_;
  std::unordered_map<std::string, const Shape*> errors_by_code_;
};

// Every embedded model, parsed on first use (thread-safe) and kept for the process lifetime.
class ModelRegistry {
 public:
  static ModelRegistry& Instance();
  // nullptr when no model is embedded under that key.
  const ServiceModel* Get(std::string_view key);
  // Parses every embedded model now (e.g. on a background thread after startup).
  void LoadAll();
  std::vector<std::string> Keys() const;

 private:
  ModelRegistry();
  struct Slot;
  std::vector<std::unique_ptr<Slot>> slots_;
};

// Splits "/{Bucket}/{Key+}?uploads" into a template.
UriTemplate ParseUriTemplate(std::string_view request_uri);

}  // namespace gureum::protocol
