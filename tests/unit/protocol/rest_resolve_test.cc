// Which S3 operation a request invokes: method, path template, query literals and the required
// header / query members that tell apart operations sharing a URI.

#include <string>

#include <gtest/gtest.h>

#include "protocol_test_support.h"

namespace gureum::protocol {
namespace {

using testing::Call;
using testing::Service;

class S3ResolveTest : public ::testing::Test {
 protected:
  // The operation name, or "error:<code>".
  std::string Resolve(std::string method, std::string target, Call::HeaderList headers = {}) {
    Call call = Call::Rest(std::move(method), std::move(target), std::move(headers));
    auto op = s3_.codec->Resolve(call.Wire());
    if (!op) return "error:" + op.error().code();
    return (*op)->name;
  }

  // The labels the resolved operation's input takes from the path.
  nlohmann::json Decode(std::string method, std::string target, Call::HeaderList headers = {}) {
    Call call = Call::Rest(std::move(method), std::move(target), std::move(headers));
    auto op = s3_.codec->Resolve(call.Wire());
    EXPECT_TRUE(op.has_value());
    if (!op) return nullptr;
    auto input = s3_.codec->DecodeInput(**op, call.Wire());
    EXPECT_TRUE(input.has_value()) << input.error().message();
    return input.value_or(nullptr);
  }

  Service s3_{"s3"};
};

TEST_F(S3ResolveTest, ServiceAndBucketOperations) {
  EXPECT_EQ(Resolve("GET", "/"), "ListBuckets");
  EXPECT_EQ(Resolve("GET", "/b"), "ListObjects");
  EXPECT_EQ(Resolve("GET", "/b?list-type=2"), "ListObjectsV2");
  EXPECT_EQ(Resolve("GET", "/b?list-type=2&prefix=a%2F&delimiter=%2F"), "ListObjectsV2");
  EXPECT_EQ(Resolve("PUT", "/b"), "CreateBucket");
  EXPECT_EQ(Resolve("DELETE", "/b"), "DeleteBucket");
  EXPECT_EQ(Resolve("HEAD", "/b"), "HeadBucket");
  EXPECT_EQ(Resolve("GET", "/b?location"), "GetBucketLocation");
  EXPECT_EQ(Resolve("GET", "/b?versioning"), "GetBucketVersioning");
  EXPECT_EQ(Resolve("GET", "/b?uploads"), "ListMultipartUploads");
  EXPECT_EQ(Resolve("POST", "/b?delete"), "DeleteObjects");
}

TEST_F(S3ResolveTest, SubresourcesPickTheirOperation) {
  EXPECT_EQ(Resolve("GET", "/b?tagging"), "GetBucketTagging");
  EXPECT_EQ(Resolve("PUT", "/b?tagging"), "PutBucketTagging");
  EXPECT_EQ(Resolve("DELETE", "/b?tagging"), "DeleteBucketTagging");
  EXPECT_EQ(Resolve("GET", "/b/k?tagging"), "GetObjectTagging");
  EXPECT_EQ(Resolve("PUT", "/b/k?acl"), "PutObjectAcl");
}

TEST_F(S3ResolveTest, CurrentOperationWinsOverDeprecatedOneOnTheSameUri) {
  EXPECT_EQ(Resolve("GET", "/b?lifecycle"), "GetBucketLifecycleConfiguration");
  EXPECT_EQ(Resolve("PUT", "/b?lifecycle"), "PutBucketLifecycleConfiguration");
  EXPECT_EQ(Resolve("GET", "/b?notification"), "GetBucketNotificationConfiguration");
}

TEST_F(S3ResolveTest, ObjectOperations) {
  EXPECT_EQ(Resolve("PUT", "/b/k"), "PutObject");
  EXPECT_EQ(Resolve("GET", "/b/k"), "GetObject");
  EXPECT_EQ(Resolve("HEAD", "/b/k"), "HeadObject");
  EXPECT_EQ(Resolve("DELETE", "/b/k"), "DeleteObject");
  EXPECT_EQ(Resolve("POST", "/b/k?uploads"), "CreateMultipartUpload");
  EXPECT_EQ(Resolve("POST", "/b/k?uploadId=x"), "CompleteMultipartUpload");
  EXPECT_EQ(Resolve("DELETE", "/b/k?uploadId=x"), "AbortMultipartUpload");
  EXPECT_EQ(Resolve("GET", "/b/k?uploadId=x"), "ListParts");
}

TEST_F(S3ResolveTest, RequiredHeadersAndQueryMembersTellApartPutOperations) {
  EXPECT_EQ(Resolve("PUT", "/b/k", {{"x-amz-copy-source", "/src/key"}}), "CopyObject");
  EXPECT_EQ(Resolve("PUT", "/b/k", {{"X-Amz-Copy-Source", "src/key"}}), "CopyObject");
  EXPECT_EQ(Resolve("PUT", "/b/k?partNumber=1&uploadId=x"), "UploadPart");
  EXPECT_EQ(Resolve("PUT", "/b/k?uploadId=x&partNumber=1", {{"x-amz-copy-source", "/src/key"}}),
            "UploadPartCopy");
  // Half of UploadPart's required query is not UploadPart.
  EXPECT_EQ(Resolve("PUT", "/b/k?partNumber=1"), "PutObject");
}

TEST_F(S3ResolveTest, KeysKeepSlashesEscapesSpacesAndPlus) {
  nlohmann::json in = Decode("PUT", "/b/photos/2024/a.jpg");
  EXPECT_EQ(in["Bucket"], "b");
  EXPECT_EQ(in["Key"], "photos/2024/a.jpg");
  // %2F is a slash inside the key; %20 a space; '+' in a path is a plus, not a space.
  EXPECT_EQ(Decode("GET", "/b/a%2Fb")["Key"], "a/b");
  EXPECT_EQ(Decode("GET", "/b/my%20file.txt")["Key"], "my file.txt");
  EXPECT_EQ(Decode("GET", "/b/a+b")["Key"], "a+b");
  EXPECT_EQ(Decode("GET", "/b/%E2%82%AC%2Bx")["Key"], "\xE2\x82\xAC+x");
  // A key may end with a slash ("folders") or start with one.
  EXPECT_EQ(Decode("PUT", "/b/folder/")["Key"], "folder/");
  EXPECT_EQ(Decode("GET", "/b//k")["Key"], "/k");
}

TEST_F(S3ResolveTest, TrailingSlashAddressesTheBucket) {
  EXPECT_EQ(Resolve("GET", "/b/"), "ListObjects");
  EXPECT_EQ(Resolve("PUT", "/b/"), "CreateBucket");
  EXPECT_EQ(Resolve("HEAD", "/b/"), "HeadBucket");
  EXPECT_EQ(Resolve("GET", "/b/?list-type=2"), "ListObjectsV2");
  EXPECT_EQ(Resolve("DELETE", "/b/?tagging"), "DeleteBucketTagging");
  EXPECT_EQ(Decode("GET", "/b/")["Bucket"], "b");
}

TEST_F(S3ResolveTest, NoMatchingOperation) {
  // The path matches operations, the method none of them.
  EXPECT_EQ(Resolve("PATCH", "/b/k"), "error:MethodNotAllowed");
  EXPECT_EQ(Resolve("POST", "/"), "error:MethodNotAllowed");
  // A malformed escape matches no template.
  EXPECT_TRUE(Resolve("GET", "/b/%zz").starts_with("error:"));
}

TEST(RestJsonResolveTest, RdsDataOperationsByPath) {
  Service rds_data("rds-data");
  for (auto [target, name] : {std::pair{"/Execute", "ExecuteStatement"},
                              std::pair{"/BatchExecute", "BatchExecuteStatement"},
                              std::pair{"/BeginTransaction", "BeginTransaction"},
                              std::pair{"/CommitTransaction", "CommitTransaction"}}) {
    Call call = Call::Rest("POST", target);
    auto op = rds_data.codec->Resolve(call.Wire());
    ASSERT_TRUE(op.has_value()) << target;
    EXPECT_EQ((*op)->name, name);
  }
  Call unknown = Call::Rest("POST", "/Nope");
  auto op = rds_data.codec->Resolve(unknown.Wire());
  ASSERT_FALSE(op.has_value());
  EXPECT_EQ(op.error().code(), "InvalidRequest");
  EXPECT_NE(op.error().message().find("POST /Nope"), std::string::npos);
}

}  // namespace
}  // namespace gureum::protocol
