#pragma once
// Wire codecs: one per AWS protocol (query, ec2, json, rest-json, rest-xml), each driven by the
// service's model. A codec finds the operation a request invokes, decodes its input into the
// JSON view handlers take (keys are the model's member names), and encodes outputs and errors
// in the protocol's envelope. Service logic never sees XML, form encoding or headers.
//
// The JSON view: strings, booleans, integers, doubles; timestamps as ISO 8601 strings
// ("2024-01-02T03:04:05Z"); blobs as base64 strings; lists as arrays; maps and structures as
// objects. Handlers return outputs in the same view (timestamps may also be epoch seconds).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gureum/core/encoding.h"
#include "gureum/core/error.h"
#include "gureum/core/time_format.h"
#include "gureum/http/message.h"

#include "protocol/model.h"

namespace gureum::protocol {

// The parts of a request a codec reads.
struct WireRequest {
  const http::Request* http = nullptr;
  std::string_view path;                // raw path after virtual-host rewriting (REST protocols)
  std::string_view body;                // buffered body; empty when the body streams
  const QueryParams* params = nullptr;  // Query/EC2: query string and form body, merged
  const QueryParams* query = nullptr;   // REST: query string parameters
};

struct ResponseContext {
  std::string request_id;
  bool head = false;     // HEAD request: headers only
  std::string resource;  // REST-XML errors: <Resource>
  std::string xml_root;  // REST-XML: the output document's root element, when the model
                         // does not name it (S3's ListBucketResult and the like)
};

class Codec {
 public:
  virtual ~Codec() = default;
  // The operation the request names. Errors: InvalidAction / UnknownOperation / MissingAction,
  // or a REST "no such resource" error.
  virtual Result<const Operation*> Resolve(const WireRequest& request) const = 0;
  // Decodes and validates the operation's input.
  virtual Result<nlohmann::json> DecodeInput(const Operation& op,
                                             const WireRequest& request) const = 0;
  virtual http::Response EncodeOutput(const Operation& op, const nlohmann::json& output,
                                      const ResponseContext& context) const = 0;
  virtual http::Response EncodeError(const AwsError& error,
                                     const ResponseContext& context) const = 0;
};

// The codec for a model's protocol. The model must outlive the codec.
std::unique_ptr<Codec> MakeCodec(const ServiceModel& model);

// How a codec reports invalid input: Query services (IAM, STS, RDS, CloudWatch) say
// ValidationError "1 validation error detected: ..."; EC2 says MissingParameter /
// InvalidParameterValue; JSON services ValidationException.
enum class ValidationStyle { Query, Ec2, Json };
// Checks required members, types and length/range constraints of a decoded input.
Status Validate(const Shape& shape, const nlohmann::json& value, ValidationStyle style);

// Shared helpers for codecs.
// JSON text of `value`, with bytes that are not UTF-8 replaced by U+FFFD. Client bytes (paths,
// headers, query values) reach outputs and error messages, and nlohmann's dump() throws on them.
std::string DumpJson(const nlohmann::json& value);
std::string FormatTimestamp(const nlohmann::json& value, std::string_view format);
std::optional<std::string> NormalizeTimestamp(std::string_view text, std::string_view format);
std::string ScalarText(const Shape& shape, const nlohmann::json& value,
                       std::string_view timestamp_format);
// Converts wire text to the JSON view for a scalar shape; nullopt if it does not parse.
std::optional<nlohmann::json> ParseScalar(const Shape& shape, std::string_view text,
                                          std::string_view timestamp_format);

}  // namespace gureum::protocol
