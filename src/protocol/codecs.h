#pragma once
// Factories of the per-protocol codecs (see codec.h) and helpers they share.

#include <memory>

#include "protocol/codec.h"

namespace gureum::protocol {

std::unique_ptr<Codec> MakeQueryCodec(const ServiceModel& model, bool ec2);
std::unique_ptr<Codec> MakeJsonCodec(const ServiceModel& model);
std::unique_ptr<Codec> MakeRestCodec(const ServiceModel& model, bool xml);

// The HTTP status of an error: its own, else the model's declaration for that code, else 400.
int ErrorStatus(const ServiceModel& model, const AwsError& error);

// JSON view <-> JSON wire values (awsJson and rest-json bodies).
Result<nlohmann::json> JsonFromWire(const Shape& shape, const nlohmann::json& wire,
                                    const std::string& path);
nlohmann::json JsonToWire(const Shape& shape, const nlohmann::json& value);

}  // namespace gureum::protocol
