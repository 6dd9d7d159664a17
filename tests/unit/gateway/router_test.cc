#include "gateway/router.h"

#include <gtest/gtest.h>

#include "protocol/model.h"

namespace gureum::gateway {
namespace {

http::Request Make(std::string method, std::string target,
                   std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::Request r;
  r.method = std::move(method);
  r.target = target;
  auto q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  for (auto& [k, v] : headers) r.headers.Add(k, v);
  return r;
}

TEST(RouterTest, KnownServicesAgreeWithTheEmbeddedModels) {
  for (const auto& info : KnownServices()) {
    const auto* model = protocol::ModelRegistry::Instance().Get(info.model_key);
    ASSERT_NE(model, nullptr) << info.model_key;
    EXPECT_EQ(model->signing_name(), info.signing_name) << info.model_key;
    EXPECT_EQ(model->api_version(), info.api_version) << info.model_key;
    EXPECT_EQ(protocol::ProtocolName(model->protocol()), info.protocol) << info.model_key;
  }
}

TEST(RouterTest, CredentialScopeServiceWins) {
  auto r = RouteRequest(Make("POST", "/",
                             {{"Host", "bucket.localhost:4566"},
                              {"Authorization",
                               "AWS4-HMAC-SHA256 Credential=test/20240101/"
                               "us-east-1/sts/aws4_request, SignedHeaders=host, "
                               "Signature=00"}}));
  ASSERT_NE(r.service, nullptr);
  EXPECT_EQ(r.service->model_key, "sts");
  EXPECT_EQ(r.scope_service, "sts");
}

TEST(RouterTest, CloudWatchSigningNameIsMonitoring) {
  auto r = RouteRequest(Make("POST", "/",
                             {{"Authorization",
                               "AWS4-HMAC-SHA256 Credential=test/20240101/"
                               "us-east-1/monitoring/aws4_request, "
                               "SignedHeaders=host, Signature=00"}}));
  ASSERT_NE(r.service, nullptr);
  EXPECT_EQ(r.service->model_key, "cloudwatch");
}

TEST(RouterTest, UnknownScopeServiceIsReported) {
  auto r = RouteRequest(Make("POST", "/",
                             {{"Authorization",
                               "AWS4-HMAC-SHA256 Credential=test/20240101/"
                               "us-east-1/dynamodb/aws4_request, "
                               "SignedHeaders=host, Signature=00"}}));
  EXPECT_EQ(r.service, nullptr);
  EXPECT_EQ(r.scope_service, "dynamodb");
}

TEST(RouterTest, PresignedCredentialInQuery) {
  auto r =
      RouteRequest(Make("GET",
                        "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20240101%2F"
                        "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z"));
  ASSERT_NE(r.service, nullptr);
  EXPECT_EQ(r.service->model_key, "s3");
}

TEST(RouterTest, FormBodyGoesByAction) {
  auto r = RouteRequest(
      Make("POST", "/", {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}));
  EXPECT_EQ(r.service, nullptr);
  EXPECT_TRUE(r.by_action);
}

TEST(RouterTest, UnknownJsonTargetIsReported) {
  auto r = RouteRequest(Make("POST", "/", {{"X-Amz-Target", "DynamoDB_20120810.ListTables"}}));
  EXPECT_EQ(r.service, nullptr);
  EXPECT_EQ(r.unknown_target, "DynamoDB_20120810.ListTables");
}

TEST(RouterTest, DefaultIsS3) {
  auto r = RouteRequest(Make("GET", "/bucket/key"));
  ASSERT_NE(r.service, nullptr);
  EXPECT_EQ(r.service->model_key, "s3");
}

TEST(RouterTest, ServiceForActionUsesVersion) {
  QueryParams p = {{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}};
  ASSERT_NE(ServiceForAction(p), nullptr);
  EXPECT_EQ(ServiceForAction(p)->model_key, "sts");
  QueryParams ec2 = {{"Action", "DescribeInstances"}, {"Version", "2016-11-15"}};
  EXPECT_EQ(ServiceForAction(ec2)->model_key, "ec2");
  QueryParams no_version = {{"Action", "ListUsers"}};
  ASSERT_NE(ServiceForAction(no_version), nullptr);
  EXPECT_EQ(ServiceForAction(no_version)->model_key, "iam");
  QueryParams unknown = {{"Action", "NoSuchThing"}};
  EXPECT_EQ(ServiceForAction(unknown), nullptr);
}

struct HostCase {
  std::string host;
  std::string bucket;
  bool website;
  std::string region;
  std::string service;
};

class ParseHostTest : public testing::TestWithParam<HostCase> {};

TEST_P(ParseHostTest, Parses) {
  const HostCase& c = GetParam();
  HostInfo info = ParseHost(c.host);
  EXPECT_EQ(info.bucket, c.bucket) << c.host;
  EXPECT_EQ(info.website, c.website) << c.host;
  EXPECT_EQ(info.region, c.region) << c.host;
  EXPECT_EQ(info.service, c.service) << c.host;
}

INSTANTIATE_TEST_SUITE_P(
    Hosts, ParseHostTest,
    testing::Values(
        HostCase{"localhost:4566", "", false, "", ""},
        HostCase{"127.0.0.1:4566", "", false, "", ""}, HostCase{"[::1]:4566", "", false, "", ""},
        HostCase{"bucket.localhost:4566", "bucket", false, "", ""},
        HostCase{"my.dotted.bucket.localhost", "my.dotted.bucket", false, "", ""},
        HostCase{"bucket.s3.localhost:4566", "bucket", false, "", ""},
        HostCase{"bucket.s3.ap-northeast-2.localhost", "bucket", false, "ap-northeast-2", ""},
        HostCase{"s3.localhost", "", false, "", ""},
        HostCase{"bucket.s3.amazonaws.com", "bucket", false, "", ""},
        HostCase{"bucket.s3.us-west-2.amazonaws.com", "bucket", false, "us-west-2", ""},
        HostCase{"s3.amazonaws.com", "", false, "", ""},
        HostCase{"BUCKET.S3.AMAZONAWS.COM", "bucket", false, "", ""},
        HostCase{"site.s3-website-us-east-1.amazonaws.com", "site", true, "us-east-1", ""},
        HostCase{"site.s3-website.eu-west-1.amazonaws.com", "site", true, "eu-west-1", ""},
        HostCase{"site.s3-website.localhost:4566", "site", true, "", ""},
        HostCase{"sts.amazonaws.com", "", false, "", "sts"},
        HostCase{"ec2.ap-northeast-2.amazonaws.com", "", false, "", "ec2"},
        HostCase{"example.com", "", false, "", ""}));

}  // namespace
}  // namespace gureum::gateway
