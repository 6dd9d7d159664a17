// Query/EC2 protocol input decoding on untrusted form bodies and query strings: the parameter
// parser (both '+' modes), then the codecs of STS, IAM and EC2 resolving and decoding operations
// with deep list/map/structure nesting, and the XML writer on what they decoded. Every document
// the codec writes must be well-formed XML.
//   ./build/dev/tests/fuzz/query_decoder_fuzz tests/fuzz/corpus/query_decoder_fuzz

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "gureum/core/encoding.h"
#include "gureum/http/message.h"

#include "protocol/codec.h"
#include "protocol/model.h"

namespace {

using gureum::protocol::Codec;
using gureum::protocol::Operation;
using gureum::protocol::ServiceModel;

struct Service {
  const ServiceModel* model;
  std::unique_ptr<Codec> codec;
  std::vector<const Operation*> operations;  // decoded for every input
};

std::vector<Service> LoadServices() {
  struct Spec {
    const char* key;
    std::vector<const char*> operations;
  };
  const std::vector<Spec> specs = {
      {"sts", {"AssumeRole", "GetCallerIdentity", "GetFederationToken"}},
      {"iam", {"CreateUser", "TagRole", "PutRolePolicy", "CreatePolicyVersion"}},
      {"ec2",
       {"RunInstances", "DescribeInstances", "AuthorizeSecurityGroupIngress", "CreateTags",
        "DescribeSpotPriceHistory"}},
  };
  std::vector<Service> services;
  for (const auto& spec : specs) {
    const ServiceModel* model = gureum::protocol::ModelRegistry::Instance().Get(spec.key);
    if (model == nullptr) __builtin_trap();
    Service service{model, gureum::protocol::MakeCodec(*model), {}};
    for (const char* name : spec.operations) {
      const Operation* op = model->FindOperation(name);
      if (op == nullptr) __builtin_trap();
      service.operations.push_back(op);
    }
    services.push_back(std::move(service));
  }
  return services;
}

void CheckXml(const gureum::http::Response& response) {
  pugi::xml_document doc;
  if (!doc.load_buffer(response.body.data(), response.body.size())) __builtin_trap();
}

void Exercise(const Service& service, const Operation& op,
              const gureum::protocol::WireRequest& wire) {
  gureum::protocol::ResponseContext context;
  context.request_id = "c6c8a9a3-4f5e-4b4e-9d43-3d6a2f8c1e0b";
  auto input = service.codec->DecodeInput(op, wire);
  if (!input) {
    CheckXml(service.codec->EncodeError(input.error(), context));
    return;
  }
  // The decoded input written back as if it were the operation's output.
  Operation echo = op;
  echo.output = op.input;
  CheckXml(service.codec->EncodeOutput(echo, *input, context));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<Service> services = LoadServices();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  gureum::http::Request http;
  http.method = "POST";
  http.path = "/";
  http.target = "/";
  http.headers.Add("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  for (bool plus_as_space : {true, false}) {
    // Without a '+' both modes parse alike.
    if (!plus_as_space && text.find('+') == std::string_view::npos) break;
    auto params = gureum::ParseQueryString(text, plus_as_space);
    if (!params) continue;
    gureum::protocol::WireRequest wire;
    wire.http = &http;
    wire.path = http.path;
    wire.body = text;
    wire.params = &*params;
    for (const auto& service : services) {
      auto resolved = service.codec->Resolve(wire);
      if (resolved) {
        Exercise(service, **resolved, wire);
      } else {
        gureum::protocol::ResponseContext context;
        context.request_id = "c6c8a9a3-4f5e-4b4e-9d43-3d6a2f8c1e0b";
        CheckXml(service.codec->EncodeError(resolved.error(), context));
      }
      for (const Operation* op : service.operations) Exercise(service, *op, wire);
    }
  }
  return 0;
}
