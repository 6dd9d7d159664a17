// JSON bodies: the JSON view <-> JSON wire conversion (timestamps are epoch seconds on the wire and
// ISO 8601 in the view), and the REST-JSON codec of the RDS Data API.

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/codecs.h"
#include "protocol_test_support.h"

namespace gureum::protocol {
namespace {

using nlohmann::json;
using testing::Call;
using testing::Context;
using testing::Model;
using testing::Service;

// 2024-01-02T03:04:05Z
constexpr int64_t kEpoch = 1704164645;

const Shape& Datapoint() {
  const Shape* shape = Model("cloudwatch").FindShape("Datapoint");
  EXPECT_NE(shape, nullptr);
  return *shape;
}

TEST(JsonWireTest, TimestampsAreEpochSecondsOnTheWireAndIsoInTheView) {
  auto view = JsonFromWire(Datapoint(), {{"Timestamp", kEpoch}, {"Average", 1.5}}, "");
  ASSERT_TRUE(view.has_value()) << view.error().message();
  EXPECT_EQ(*view, json::parse(R"({"Timestamp": "2024-01-02T03:04:05Z", "Average": 1.5})"));

  auto fractional = JsonFromWire(Datapoint(), {{"Timestamp", kEpoch + 0.25}}, "");
  ASSERT_TRUE(fractional.has_value());
  EXPECT_EQ((*fractional)["Timestamp"], "2024-01-02T03:04:05.250Z");

  // Strings on the wire are accepted and normalised.
  auto text = JsonFromWire(Datapoint(), {{"Timestamp", "2024-01-02T12:04:05+09:00"}}, "");
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ((*text)["Timestamp"], "2024-01-02T03:04:05Z");

  json wire = JsonToWire(Datapoint(), {{"Timestamp", "2024-01-02T03:04:05Z"}, {"Sum", 2}});
  ASSERT_TRUE(wire["Timestamp"].is_number());
  EXPECT_DOUBLE_EQ(wire["Timestamp"].get<double>(), static_cast<double>(kEpoch));
  EXPECT_EQ(wire["Sum"], 2);
  json millis = JsonToWire(Datapoint(), {{"Timestamp", "2024-01-02T03:04:05.250Z"}});
  EXPECT_DOUBLE_EQ(millis["Timestamp"].get<double>(), kEpoch + 0.25);
  // Epoch seconds in the view pass through.
  EXPECT_EQ(JsonToWire(Datapoint(), {{"Timestamp", kEpoch}})["Timestamp"], kEpoch);
}

TEST(JsonWireTest, TypeMismatchesAreSerializationExceptions) {
  auto bad = JsonFromWire(Datapoint(), {{"Timestamp", "yesterday"}}, "");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), "SerializationException");
  EXPECT_EQ(bad.error().message(), "Value at 'Timestamp' must be a timestamp");
  auto not_number = JsonFromWire(Datapoint(), {{"Average", "1.5"}}, "");
  ASSERT_FALSE(not_number.has_value());
  EXPECT_EQ(not_number.error().code(), "SerializationException");
  EXPECT_FALSE(JsonFromWire(Datapoint(), json::array(), "").has_value());
  // Epoch seconds beyond what the clock can hold are not timestamps.
  for (double seconds : {1e300, -1e300, 1e10}) {
    auto far = JsonFromWire(Datapoint(), {{"Timestamp", seconds}}, "");
    ASSERT_FALSE(far.has_value()) << seconds;
    EXPECT_EQ(far.error().code(), "SerializationException");
  }
}

class RdsDataCodecTest : public ::testing::Test {
 protected:
  Result<json> Decode(std::string target, std::string body) {
    Call call = Call::Rest("POST", std::move(target), {{"Content-Type", "application/json"}},
                           std::move(body));
    auto op = rds_data_.codec->Resolve(call.Wire());
    if (!op) return Fail(op.error());
    return rds_data_.codec->DecodeInput(**op, call.Wire());
  }

  Service rds_data_{"rds-data"};
};

TEST_F(RdsDataCodecTest, ExecuteStatementDecodes) {
  json body = json::parse(R"({
    "resourceArn": "arn:aws:rds:us-east-1:000000000000:cluster:db1",
    "secretArn": "arn:aws:secretsmanager:us-east-1:000000000000:secret:db1-AbCdEf",
    "sql": "SELECT * FROM t WHERE id = :id",
    "database": "app",
    "includeResultMetadata": true,
    "parameters": [
      {"name": "id", "value": {"longValue": 42}},
      {"name": "blob", "value": {"blobValue": "aGVsbG8="}},
      {"name": "ids", "value": {"arrayValue": {"longValues": [1, 2, 3]}}},
      {"name": "when", "value": {"stringValue": "2024-01-02 03:04:05"}, "typeHint": "TIMESTAMP"}
    ]
  })");
  auto input = Decode("/Execute", body.dump());
  ASSERT_TRUE(input.has_value()) << input.error().message();
  // The view uses the model's member names, which are the wire names here; blobs stay base64.
  EXPECT_EQ(*input, body);
}

TEST_F(RdsDataCodecTest, ValidationAndSerializationErrors) {
  auto missing = Decode("/Execute", R"({"resourceArn": "arn:aws:rds:us-east-1:0:cluster:c",
                                         "secretArn": "arn:aws:secretsmanager:us-east-1:0:s:s"})");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), "ValidationException");
  EXPECT_EQ(missing.error().message(),
            "1 validation error detected: Value null at 'sql' failed to satisfy constraint: "
            "Member must not be null");

  auto wrong_type = Decode("/BeginTransaction", R"({"resourceArn": 5, "secretArn": "s"})");
  ASSERT_FALSE(wrong_type.has_value());
  EXPECT_EQ(wrong_type.error().code(), "SerializationException");

  auto not_json = Decode("/Execute", "{\"sql\": ");
  ASSERT_FALSE(not_json.has_value());
  EXPECT_EQ(not_json.error().code(), "SerializationException");
  EXPECT_EQ(not_json.error().http_status(), 400);
}

TEST_F(RdsDataCodecTest, OutputEncodesToJson) {
  json output = {{"numberOfRecordsUpdated", 0},
                 {"records", {{{{"longValue", 1}}, {{"stringValue", "alice"}}}}}};
  http::Response response =
      rds_data_.codec->EncodeOutput(rds_data_.Op("ExecuteStatement"), output, Context("req"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.headers.GetOr("Content-Type", ""), "application/json");
  EXPECT_EQ(json::parse(response.body), output);

  http::Response empty =
      rds_data_.codec->EncodeOutput(rds_data_.Op("BeginTransaction"), json(), Context("req"));
  EXPECT_EQ(empty.body, "{}");
}

TEST_F(RdsDataCodecTest, ErrorEnvelope) {
  http::Response response = rds_data_.codec->EncodeError(
      AwsError("BadRequestException", "Database name 'x' is not valid"), Context("req"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.headers.GetOr("x-amzn-ErrorType", ""), "BadRequestException");
  EXPECT_EQ(response.headers.GetOr("Content-Type", ""), "application/json");
  EXPECT_EQ(response.body,
            R"({"__type":"BadRequestException","message":"Database name 'x' is not valid"})");

  EXPECT_EQ(
      rds_data_.codec->EncodeError(AwsError("NotFoundException", "gone"), Context("r")).status,
      404);
}

TEST_F(RdsDataCodecTest, ClientBytesThatAreNotUtf8DoNotBreakTheErrorBody) {
  // A raw request path may carry any byte; the error message quotes it.
  Call call = Call::Rest("POST", "/Exec\xFFute");
  auto op = rds_data_.codec->Resolve(call.Wire());
  ASSERT_FALSE(op.has_value());
  http::Response response = rds_data_.codec->EncodeError(op.error(), Context("req"));
  json body = json::parse(response.body, nullptr, false);
  ASSERT_FALSE(body.is_discarded()) << response.body;
  EXPECT_EQ(body["__type"], "InvalidRequest");
  EXPECT_NE(body["message"].get<std::string>().find("/Exec\xEF\xBF\xBDute"), std::string::npos);
}

}  // namespace
}  // namespace gureum::protocol
