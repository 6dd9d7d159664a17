// S3's REST-XML codec on untrusted request bodies: the XML documents of PutBucketTagging,
// DeleteObjects, CompleteMultipartUpload and CreateBucket decoded into the JSON view, then written
// back with the XML writer (which must produce well-formed XML), and the error envelope for
// bodies that fail.
//   ./build/dev/tests/fuzz/rest_xml_fuzz tests/fuzz/corpus/rest_xml_fuzz

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

struct Target {
  const Operation* op;
  gureum::http::Request http;
  gureum::QueryParams query;
};

struct S3 {
  std::unique_ptr<Codec> codec;
  std::vector<Target> targets;
};

S3 Load() {
  const auto* model = gureum::protocol::ModelRegistry::Instance().Get("s3");
  if (model == nullptr) __builtin_trap();
  S3 s3{gureum::protocol::MakeCodec(*model), {}};
  struct Spec {
    const char* operation;
    const char* method;
    const char* path;
    const char* query;
  };
  for (const Spec& spec : {Spec{"PutBucketTagging", "PUT", "/bucket", "tagging"},
                           Spec{"DeleteObjects", "POST", "/bucket", "delete"},
                           Spec{"CompleteMultipartUpload", "POST", "/bucket/photos/2024/a.jpg",
                                "uploadId=VXBsb2FkSUQ"},
                           Spec{"CreateBucket", "PUT", "/bucket", ""}}) {
    Target target;
    target.op = model->FindOperation(spec.operation);
    if (target.op == nullptr) __builtin_trap();
    target.http.method = spec.method;
    target.http.path = spec.path;
    target.http.query = spec.query;
    target.http.target = std::string(spec.path) + (*spec.query ? "?" : "") + spec.query;
    target.http.headers.Add("Host", "localhost:4566");
    target.http.headers.Add("Content-Type", "application/xml");
    target.http.headers.Add("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
    target.query = *gureum::ParseQueryString(spec.query, false);
    s3.targets.push_back(std::move(target));
  }
  return s3;
}

void CheckXml(const gureum::http::Response& response) {
  if (response.body.empty()) return;
  pugi::xml_document doc;
  if (!doc.load_buffer(response.body.data(), response.body.size())) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const S3 s3 = Load();
  std::string_view body(reinterpret_cast<const char*>(data), size);
  for (const Target& target : s3.targets) {
    gureum::protocol::WireRequest wire;
    wire.http = &target.http;
    wire.path = target.http.path;
    wire.body = body;
    wire.query = &target.query;
    gureum::protocol::ResponseContext context;
    context.request_id = "4442587FB7D0A2F9";
    context.resource = std::string(target.http.path);
    auto input = s3.codec->DecodeInput(*target.op, wire);
    if (!input) {
      CheckXml(s3.codec->EncodeError(input.error(), context));
      continue;
    }
    // The decoded input written back as if it were the operation's output.
    Operation echo = *target.op;
    echo.output = target.op->input;
    CheckXml(s3.codec->EncodeOutput(echo, *input, context));
  }
  return 0;
}
