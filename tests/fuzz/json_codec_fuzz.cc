// The JSON body path of the REST-JSON codec (RDS Data API) on untrusted bytes: JSON parsing,
// JsonFromWire into the JSON view (timestamps, blobs, nested unions and lists), validation, and
// JsonToWire back. The first line of the input is also tried as the request path, so error
// messages carry client bytes. Everything the codec writes must be valid JSON.
//   ./build/dev/tests/fuzz/json_codec_fuzz tests/fuzz/corpus/json_codec_fuzz

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gureum/core/encoding.h"
#include "gureum/http/message.h"

#include "protocol/codec.h"
#include "protocol/model.h"

namespace {

using gureum::protocol::Codec;
using gureum::protocol::Operation;

struct RdsData {
  std::unique_ptr<Codec> codec;
  std::vector<std::pair<const Operation*, gureum::http::Request>> targets;
};

RdsData Load() {
  const auto* model = gureum::protocol::ModelRegistry::Instance().Get("rds-data");
  if (model == nullptr) __builtin_trap();
  RdsData rds{gureum::protocol::MakeCodec(*model), {}};
  for (auto [name, path] : {std::pair{"ExecuteStatement", "/Execute"},
                            std::pair{"BatchExecuteStatement", "/BatchExecute"},
                            std::pair{"BeginTransaction", "/BeginTransaction"}}) {
    const Operation* op = model->FindOperation(name);
    if (op == nullptr) __builtin_trap();
    gureum::http::Request http;
    http.method = "POST";
    http.path = path;
    http.target = path;
    http.headers.Add("Host", "localhost:4566");
    http.headers.Add("Content-Type", "application/json");
    rds.targets.emplace_back(op, std::move(http));
  }
  return rds;
}

void CheckJson(const gureum::http::Response& response) {
  if (response.body.empty()) return;
  if (!nlohmann::json::accept(response.body)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const RdsData rds = Load();
  static const gureum::QueryParams kNoQuery;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  gureum::protocol::ResponseContext context;
  context.request_id = "0d7f2b9e-2c3a-4f0e-8f5c-9a1b2c3d4e5f";
  for (const auto& [op, http] : rds.targets) {
    gureum::protocol::WireRequest wire;
    wire.http = &http;
    wire.path = http.path;
    wire.body = body;
    wire.query = &kNoQuery;
    auto input = rds.codec->DecodeInput(*op, wire);
    if (!input) {
      CheckJson(rds.codec->EncodeError(input.error(), context));
      continue;
    }
    // The decoded input written back as if it were the operation's output.
    Operation echo = *op;
    echo.output = op->input;
    CheckJson(rds.codec->EncodeOutput(echo, *input, context));
  }

  // The first line as a request path: operations that do not match report it in the error.
  gureum::http::Request http = rds.targets.front().second;
  http.path = "/" + std::string(body.substr(0, body.find('\n')));
  http.target = http.path;
  gureum::protocol::WireRequest wire;
  wire.http = &http;
  wire.path = http.path;
  wire.query = &kNoQuery;
  if (auto resolved = rds.codec->Resolve(wire); !resolved) {
    CheckJson(rds.codec->EncodeError(resolved.error(), context));
  }
  return 0;
}
