// S3's REST-XML codec: members from the URI, query string, headers and XML bodies, and responses
// with header members, XML documents and raw payloads.

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol_test_support.h"

namespace gureum::protocol {
namespace {

using nlohmann::json;
using testing::Call;
using testing::Context;
using testing::Service;

constexpr char kNs[] = "http://s3.amazonaws.com/doc/2006-03-01/";

class RestXmlCodecTest : public ::testing::Test {
 protected:
  Result<json> Decode(std::string method, std::string target, Call::HeaderList headers = {},
                      std::string body = {}) {
    Call call =
        Call::Rest(std::move(method), std::move(target), std::move(headers), std::move(body));
    auto op = s3_.codec->Resolve(call.Wire());
    if (!op) return Fail(op.error());
    return s3_.codec->DecodeInput(**op, call.Wire());
  }

  Service s3_{"s3"};
};

TEST_F(RestXmlCodecTest, PutBucketTaggingBody) {
  std::string body = std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Tagging xmlns=\"") +
                     kNs +
                     "\"><TagSet>"
                     "<Tag><Key>env</Key><Value>prod</Value></Tag>"
                     "<Tag><Key>team</Key><Value>data &amp; ml</Value></Tag>"
                     "</TagSet></Tagging>";
  auto input = Decode("PUT", "/b?tagging", {{"Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="}}, body);
  ASSERT_TRUE(input.has_value()) << input.error().message();
  EXPECT_EQ(*input, json::parse(R"({
    "Bucket": "b", "ContentMD5": "1B2M2Y8AsgTpgAmY7PhCfg==",
    "Tagging": {"TagSet": [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "data & ml"}]}
  })"));
}

TEST_F(RestXmlCodecTest, DeleteObjectsBodyWithFlattenedList) {
  std::string body = std::string("<Delete xmlns=\"") + kNs +
                     "\">"
                     "<Object><Key>photos/2024/a.jpg</Key></Object>"
                     "<Object><Key>b.jpg</Key><VersionId>3HL4kqtJlcpXroDTDmJ</VersionId></Object>"
                     "<Quiet>true</Quiet>"
                     "</Delete>";
  auto input = Decode("POST", "/b?delete", {}, body);
  ASSERT_TRUE(input.has_value()) << input.error().message();
  EXPECT_EQ(*input, json::parse(R"({
    "Bucket": "b",
    "Delete": {"Objects": [{"Key": "photos/2024/a.jpg"},
                           {"Key": "b.jpg", "VersionId": "3HL4kqtJlcpXroDTDmJ"}],
               "Quiet": true}
  })"));
}

TEST_F(RestXmlCodecTest, CompleteMultipartUploadBody) {
  std::string body =
      "<CompleteMultipartUpload>"
      "<Part><ETag>\"a54357aff0632cce46d942af68356b38\"</ETag><PartNumber>1</PartNumber></Part>"
      "<Part><ETag>\"0c78aef83f66abc1fa1e8477f296d394\"</ETag><PartNumber>2</PartNumber></Part>"
      "</CompleteMultipartUpload>";
  auto input = Decode("POST", "/b/big/file.bin?uploadId=VXBsb2Fk", {}, body);
  ASSERT_TRUE(input.has_value()) << input.error().message();
  EXPECT_EQ((*input)["Key"], "big/file.bin");
  EXPECT_EQ((*input)["UploadId"], "VXBsb2Fk");
  EXPECT_EQ((*input)["MultipartUpload"], json::parse(R"({"Parts": [
    {"ETag": "\"a54357aff0632cce46d942af68356b38\"", "PartNumber": 1},
    {"ETag": "\"0c78aef83f66abc1fa1e8477f296d394\"", "PartNumber": 2}]})"));
}

TEST_F(RestXmlCodecTest, MalformedOrMistypedXmlIsMalformedXML) {
  auto broken = Decode("PUT", "/b?tagging", {}, "<Tagging><TagSet><Tag>");
  ASSERT_FALSE(broken.has_value());
  EXPECT_EQ(broken.error().code(), "MalformedXML");
  EXPECT_EQ(broken.error().message(),
            "The XML you provided was not well-formed or did not validate against our published "
            "schema");
  auto not_integer = Decode("POST", "/b/k?uploadId=u", {},
                            "<CompleteMultipartUpload><Part><PartNumber>one</PartNumber></Part>"
                            "</CompleteMultipartUpload>");
  ASSERT_FALSE(not_integer.has_value());
  EXPECT_EQ(not_integer.error().code(), "MalformedXML");
}

TEST_F(RestXmlCodecTest, HeaderMembers) {
  auto input = Decode("PUT", "/b/docs/a.txt",
                      {{"Content-Type", "text/plain"},
                       {"Content-Length", "11"},
                       {"x-amz-meta-Color", "blue"},
                       {"X-Amz-Meta-Owner", "  alice  "},
                       {"x-amz-storage-class", "STANDARD_IA"},
                       {"x-amz-tagging", "a=1&b=2"}},
                      "hello world");
  ASSERT_TRUE(input.has_value()) << input.error().message();
  EXPECT_EQ((*input)["Bucket"], "b");
  EXPECT_EQ((*input)["Key"], "docs/a.txt");
  EXPECT_EQ((*input)["ContentType"], "text/plain");
  EXPECT_EQ((*input)["ContentLength"], 11);
  EXPECT_EQ((*input)["StorageClass"], "STANDARD_IA");
  EXPECT_EQ((*input)["Tagging"], "a=1&b=2");
  // x-amz-meta-* headers collect into the Metadata map, names lowercased and prefix removed.
  EXPECT_EQ((*input)["Metadata"], json::parse(R"({"color": "blue", "owner": "  alice  "})"));
  // The streaming body is not part of the JSON view.
  EXPECT_FALSE(input->contains("Body"));

  auto get =
      Decode("GET", "/b/docs/a.txt",
             {{"Range", "bytes=0-99"}, {"If-Modified-Since", "Tue, 02 Jan 2024 03:04:05 GMT"}});
  ASSERT_TRUE(get.has_value()) << get.error().message();
  EXPECT_EQ((*get)["Range"], "bytes=0-99");
  EXPECT_EQ((*get)["IfModifiedSince"], "2024-01-02T03:04:05Z");

  // Dates outside what the clock can hold are bad arguments, not overflows.
  for (const char* date : {"1e300", "-1e300", "9999999999", "nan", "inf"}) {
    auto far = Decode("GET", "/b/k", {{"If-Modified-Since", date}});
    ASSERT_FALSE(far.has_value()) << date;
    EXPECT_EQ(far.error().code(), "InvalidArgument") << date;
  }

  auto bad_length = Decode("PUT", "/b/k", {{"Content-Length", "eleven"}});
  ASSERT_FALSE(bad_length.has_value());
  EXPECT_EQ(bad_length.error().code(), "InvalidArgument");
}

// Disabled until core's date parsers reject years SystemTime cannot hold: today
// ParseHttpDate/ParseIso8601 overflow a signed 64-bit nanosecond count for year 9999 (undefined
// behaviour; UBSan aborts the whole binary), reachable from any date header or parameter.
TEST_F(RestXmlCodecTest, DatesBeyondTheClockRangeAreBadArguments) {
  for (const char* date : {"Fri, 31 Dec 9999 23:59:59 GMT", "9999-12-31T23:59:59Z",
                           "Mon, 01 Jan 0001 00:00:00 GMT", "0001-01-01T00:00:00Z"}) {
    auto far = Decode("GET", "/b/k", {{"If-Modified-Since", date}});
    ASSERT_FALSE(far.has_value()) << date << " -> " << far->dump();
    EXPECT_EQ(far.error().code(), "InvalidArgument") << date;
  }
}

TEST_F(RestXmlCodecTest, QueryStringMembers) {
  auto input = Decode("GET", "/b?max-keys=100&prefix=photos%2F2024%2F&delimiter=%2F&marker=a+b");
  ASSERT_TRUE(input.has_value()) << input.error().message();
  EXPECT_EQ(*input, json::parse(R"({
    "Bucket": "b", "MaxKeys": 100, "Prefix": "photos/2024/", "Delimiter": "/", "Marker": "a+b"
  })"));
  EXPECT_TRUE((*input)["MaxKeys"].is_number_integer());

  auto v2 = Decode("GET", "/b?list-type=2&continuation-token=abc&fetch-owner=true&start-after=k");
  ASSERT_TRUE(v2.has_value()) << v2.error().message();
  EXPECT_EQ((*v2)["ContinuationToken"], "abc");
  EXPECT_EQ((*v2)["FetchOwner"], true);
  EXPECT_EQ((*v2)["StartAfter"], "k");

  auto bad = Decode("GET", "/b?max-keys=lots");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), "InvalidArgument");
  EXPECT_EQ(bad.error().http_status(), 400);
  ASSERT_FALSE(bad.error().details().empty());
  EXPECT_EQ(bad.error().details()[0],
            (std::pair<std::string, std::string>{"ArgumentName", "max-keys"}));

  auto part = Decode("PUT", "/b/k?partNumber=3&uploadId=u1");
  ASSERT_TRUE(part.has_value()) << part.error().message();
  EXPECT_EQ((*part)["PartNumber"], 3);
  EXPECT_EQ((*part)["UploadId"], "u1");
}

TEST_F(RestXmlCodecTest, GetObjectOutputWithHeaderMembersAndPayload) {
  json output = {{"Body", "hello"},
                 {"ContentLength", 5},
                 {"ContentType", "text/plain"},
                 {"ETag", "\"5d41402abc4b2a76b9719d911017c592\""},
                 {"LastModified", "2024-01-02T03:04:05Z"},
                 {"Metadata", {{"color", "blue"}}},
                 {"TagCount", 2}};
  http::Response response =
      s3_.codec->EncodeOutput(s3_.Op("GetObject"), output, Context("4442587FB7D0A2F9"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "hello");
  EXPECT_EQ(response.headers.GetOr("Content-Length", ""), "5");
  EXPECT_EQ(response.headers.GetOr("Content-Type", ""), "text/plain");
  EXPECT_EQ(response.headers.GetOr("ETag", ""), "\"5d41402abc4b2a76b9719d911017c592\"");
  EXPECT_EQ(response.headers.GetOr("Last-Modified", ""), "Tue, 02 Jan 2024 03:04:05 GMT");
  EXPECT_EQ(response.headers.GetOr("x-amz-meta-color", ""), "blue");
  EXPECT_EQ(response.headers.GetOr("x-amz-tagging-count", ""), "2");
}

TEST_F(RestXmlCodecTest, CopyObjectOutputWithStructurePayload) {
  json output = {{"VersionId", "v2"},
                 {"CopyObjectResult",
                  {{"ETag", "\"9b2cf535f27731c974343645a3985328\""},
                   {"LastModified", "2024-01-02T03:04:05.120Z"}}}};
  http::Response response = s3_.codec->EncodeOutput(s3_.Op("CopyObject"), output, Context("r"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.headers.GetOr("x-amz-version-id", ""), "v2");
  EXPECT_EQ(response.headers.GetOr("Content-Type", ""), "application/xml");
  EXPECT_EQ(response.body, std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                       "<CopyObjectResult xmlns=\"") +
                               kNs +
                               "\"><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag>"
                               "<LastModified>2024-01-02T03:04:05.120Z</LastModified>"
                               "</CopyObjectResult>");
}

TEST_F(RestXmlCodecTest, BodyMembersUseTheRootTheHandlerNames) {
  json output = {{"TagSet", {{{"Key", "env"}, {"Value", "prod"}}}}};
  ResponseContext context = Context("r");
  context.xml_root = "Tagging";
  http::Response response = s3_.codec->EncodeOutput(s3_.Op("GetBucketTagging"), output, context);
  EXPECT_EQ(response.body, std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                       "<Tagging xmlns=\"") +
                               kNs +
                               "\"><TagSet><Tag><Key>env</Key><Value>prod</Value></Tag></TagSet>"
                               "</Tagging>");

  // Flattened lists repeat the member's element.
  json listing = {{"Name", "b"},
                  {"Prefix", ""},
                  {"MaxKeys", 1000},
                  {"IsTruncated", false},
                  {"KeyCount", 1},
                  {"Contents",
                   {{{"Key", "a b.txt"},
                     {"Size", 11},
                     {"LastModified", "2024-01-02T03:04:05Z"},
                     {"StorageClass", "STANDARD"}}}}};
  context.xml_root = "ListBucketResult";
  http::Response v2 = s3_.codec->EncodeOutput(s3_.Op("ListObjectsV2"), listing, context);
  EXPECT_EQ(v2.body, std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                 "<ListBucketResult xmlns=\"") +
                         kNs +
                         "\"><IsTruncated>false</IsTruncated><Contents><Key>a b.txt</Key>"
                         "<LastModified>2024-01-02T03:04:05Z</LastModified><Size>11</Size>"
                         "<StorageClass>STANDARD</StorageClass></Contents>"
                         "<Name>b</Name><Prefix></Prefix><MaxKeys>1000</MaxKeys>"
                         "<KeyCount>1</KeyCount>"
                         "</ListBucketResult>");
}

TEST_F(RestXmlCodecTest, ResponseCodeAndEmptyOutputs) {
  http::Response deleted =
      s3_.codec->EncodeOutput(s3_.Op("DeleteObject"), json::object(), Context("r"));
  EXPECT_EQ(deleted.status, 204);
  EXPECT_TRUE(deleted.body.empty());
  http::Response tagged =
      s3_.codec->EncodeOutput(s3_.Op("PutBucketTagging"), json::object(), Context("r"));
  EXPECT_EQ(tagged.status, 200);
  EXPECT_TRUE(tagged.body.empty());
}

TEST_F(RestXmlCodecTest, ErrorEnvelope) {
  ResponseContext context = Context("4442587FB7D0A2F9");
  context.resource = "/b/photos/a.jpg";
  http::Response response = s3_.codec->EncodeError(
      AwsError("NoSuchKey", "The specified key does not exist.", 404).With("Key", "photos/a.jpg"),
      context);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.headers.GetOr("Content-Type", ""), "application/xml");
  EXPECT_EQ(response.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>"
            "<Key>photos/a.jpg</Key><Resource>/b/photos/a.jpg</Resource>"
            "<RequestId>4442587FB7D0A2F9</RequestId></Error>");

  // HEAD: status and headers only.
  context.head = true;
  http::Response head = s3_.codec->EncodeError(AwsError("NoSuchBucket", "x", 404), context);
  EXPECT_EQ(head.status, 404);
  EXPECT_TRUE(head.body.empty());

  http::Response denied =
      s3_.codec->EncodeError(AwsError(ErrorCode::AccessDenied, "Access Denied"), Context("r"));
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
            "<RequestId>r</RequestId></Error>");
}

TEST_F(RestXmlCodecTest, ControlCharactersInKeysAreCharacterReferences) {
  // As S3 lists such keys without encoding-type=url.
  json listing = {{"Contents",
                   {{{"Key", std::string("a\x01\x1f"
                                         "b\tc",
                                         6)}}}}};
  ResponseContext context = Context("r");
  context.xml_root = "ListBucketResult";
  http::Response response = s3_.codec->EncodeOutput(s3_.Op("ListObjectsV2"), listing, context);
  EXPECT_NE(response.body.find("<Key>a&#x1;&#x1F;b\tc</Key>"), std::string::npos) << response.body;
}

}  // namespace
}  // namespace gureum::protocol
