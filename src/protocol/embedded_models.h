#pragma once
// The AWS service models compiled into the binary (see cmake/strip_models.py).

#include <span>
#include <string_view>

namespace gureum::protocol {

struct EmbeddedModel {
  std::string_view service;  // botocore's directory name: "sts", "ec2", "cloudwatch"...
  std::string_view json;     // service-2.json without documentation
};

std::span<const EmbeddedModel> EmbeddedModels();

}  // namespace gureum::protocol
