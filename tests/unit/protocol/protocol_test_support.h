#pragma once
// Helpers shared by the protocol unit tests: the embedded models and their codecs, and requests
// built the way the gateway hands them to a codec (raw path and target, decoded query and form
// parameters).

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "gureum/core/encoding.h"
#include "gureum/http/message.h"

#include "protocol/codec.h"
#include "protocol/model.h"

namespace gureum::protocol::testing {

// An embedded model; fails the test when it is missing.
inline const ServiceModel& Model(std::string_view key) {
  const ServiceModel* model = ModelRegistry::Instance().Get(key);
  if (model == nullptr) {
    ADD_FAILURE() << "no embedded model '" << key << "'";
    std::abort();
  }
  return *model;
}

// A model's operation; fails the test when the model lacks it.
inline const Operation& Op(const ServiceModel& model, std::string_view name) {
  const Operation* op = model.FindOperation(name);
  if (op == nullptr) {
    ADD_FAILURE() << model.key() << " has no operation " << name;
    std::abort();
  }
  return *op;
}

// A model and its codec.
struct Service {
  explicit Service(std::string_view key) : model(Model(key)), codec(MakeCodec(model)) {}
  const Operation& Op(std::string_view name) const { return testing::Op(model, name); }
  const ServiceModel& model;
  std::unique_ptr<Codec> codec;
};

// One request as a codec sees it. Keeps the storage its WireRequest points into.
class Call {
 public:
  using HeaderList = std::vector<std::pair<std::string, std::string>>;

  // A REST request: `target` is the raw request target ("/bucket/key?uploads").
  static Call Rest(std::string method, std::string target, HeaderList headers = {},
                   std::string body = {}) {
    Call call;
    call.http_.method = std::move(method);
    call.http_.target = target;
    size_t q = target.find('?');
    call.http_.path = target.substr(0, q);
    if (q != std::string::npos) call.http_.query = target.substr(q + 1);
    for (auto& [name, value] : headers) call.http_.headers.Add(name, value);
    call.body_ = std::move(body);
    auto query = ParseQueryString(call.http_.query, false);
    EXPECT_TRUE(query.has_value()) << "malformed query in test request: " << target;
    call.params_ = query.value_or(QueryParams{});
    return call;
  }

  // A Query/EC2 request: POST / with `form` as its application/x-www-form-urlencoded body.
  static Call Form(std::string form) {
    Call call;
    call.http_.method = "POST";
    call.http_.target = "/";
    call.http_.path = "/";
    call.http_.headers.Add("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    call.body_ = std::move(form);
    auto params = ParseQueryString(call.body_, true);
    EXPECT_TRUE(params.has_value()) << "malformed form in test request: " << call.body_;
    call.params_ = params.value_or(QueryParams{});
    return call;
  }

  WireRequest Wire() const {
    WireRequest wire;
    wire.http = &http_;
    wire.path = http_.path;
    wire.body = body_;
    wire.params = &params_;
    wire.query = &params_;
    return wire;
  }

  const http::Request& http() const { return http_; }

 private:
  http::Request http_;
  std::string body_;
  QueryParams params_;
};

inline ResponseContext Context(std::string request_id) {
  ResponseContext context;
  context.request_id = std::move(request_id);
  return context;
}

}  // namespace gureum::protocol::testing
