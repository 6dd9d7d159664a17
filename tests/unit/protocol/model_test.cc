#include "protocol/model.h"

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "protocol/embedded_models.h"
#include "protocol_test_support.h"

namespace gureum::protocol {
namespace {

using testing::Model;
using testing::Op;

TEST(ModelTest, EveryEmbeddedModelParsesWithOperations) {
  auto keys = ModelRegistry::Instance().Keys();
  EXPECT_EQ(keys.size(), EmbeddedModels().size());
  for (const auto& key : {"sts", "iam", "ec2", "rds", "cloudwatch", "s3", "rds-data"}) {
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << key;
  }
  for (const auto& embedded : EmbeddedModels()) {
    auto parsed = ServiceModel::Parse(embedded.service, embedded.json);
    ASSERT_TRUE(parsed.has_value()) << embedded.service;
    const ServiceModel& model = **parsed;
    EXPECT_EQ(model.key(), embedded.service);
    EXPECT_GT(model.operations().size(), 0u) << embedded.service;
    EXPECT_FALSE(model.api_version().empty()) << embedded.service;
    for (const auto& op : model.operations()) {
      EXPECT_EQ(model.FindOperation(op->name), op.get());
      // Every member of an operation's input resolved to a shape.
      if (op->input == nullptr) continue;
      for (const auto& member : op->input->members) {
        EXPECT_NE(member.shape, nullptr)
            << embedded.service << " " << op->name << "." << member.name;
      }
    }
  }
}

TEST(ModelTest, RegistryReturnsTheSameModelAndNullForUnknownKeys) {
  const ServiceModel* sts = ModelRegistry::Instance().Get("sts");
  ASSERT_NE(sts, nullptr);
  EXPECT_EQ(ModelRegistry::Instance().Get("sts"), sts);
  EXPECT_EQ(ModelRegistry::Instance().Get("dynamodb"), nullptr);
}

TEST(ModelTest, ParseRejectsDocumentsThatAreNotModels) {
  EXPECT_FALSE(ServiceModel::Parse("x", "not json").has_value());
  EXPECT_FALSE(ServiceModel::Parse("x", "[]").has_value());
  EXPECT_FALSE(ServiceModel::Parse("x", R"({"metadata": {}, "shapes": {}})").has_value());
  auto error = ServiceModel::Parse("x", "{}").error();
  EXPECT_EQ(error.code(), "InternalError");
}

TEST(ModelTest, ServiceMetadata) {
  const ServiceModel& sts = Model("sts");
  EXPECT_EQ(sts.protocol(), Protocol::Query);
  EXPECT_EQ(sts.api_version(), "2011-06-15");
  EXPECT_EQ(sts.xml_namespace(), "https://sts.amazonaws.com/doc/2011-06-15/");
  EXPECT_EQ(Model("ec2").protocol(), Protocol::Ec2);
  EXPECT_EQ(Model("s3").protocol(), Protocol::RestXml);
  EXPECT_EQ(Model("rds-data").protocol(), Protocol::RestJson);
  EXPECT_EQ(Model("cloudwatch").signing_name(), "monitoring");
  EXPECT_EQ(ProtocolName(Protocol::RestXml), "rest-xml");
}

TEST(ModelTest, StsGetCallerIdentityHasItsResultWrapper) {
  const Operation& op = Op(Model("sts"), "GetCallerIdentity");
  EXPECT_EQ(op.result_wrapper, "GetCallerIdentityResult");
  EXPECT_EQ(op.http_method, "POST");
  EXPECT_EQ(op.request_uri, "/");
  ASSERT_NE(op.output, nullptr);
  EXPECT_EQ(op.output->type, ShapeType::Structure);
  for (const char* member : {"UserId", "Account", "Arn"}) {
    EXPECT_NE(op.output->FindMember(member), nullptr) << member;
  }
  EXPECT_EQ(op.output->FindMember("Nope"), nullptr);
}

TEST(ModelTest, ShapesCarryConstraintsAndTraits) {
  const ServiceModel& iam = Model("iam");
  const Operation& create_user = Op(iam, "CreateUser");
  ASSERT_NE(create_user.input, nullptr);
  EXPECT_EQ(create_user.input->required, std::vector<std::string>{"UserName"});
  const Member* user_name = create_user.input->FindMember("UserName");
  ASSERT_NE(user_name, nullptr);
  EXPECT_EQ(user_name->shape->type, ShapeType::String);
  EXPECT_EQ(user_name->shape->min, 1);
  EXPECT_EQ(user_name->shape->max, 64);
  const Member* tags = create_user.input->FindMember("Tags");
  ASSERT_NE(tags, nullptr);
  EXPECT_EQ(tags->shape->type, ShapeType::List);
  ASSERT_NE(tags->shape->list_member, nullptr);
  EXPECT_EQ(tags->shape->list_member->name, "Tag");

  // Exception shapes: wire code and HTTP status from the "error" trait.
  const Shape* no_such_entity = iam.FindError("NoSuchEntity");
  ASSERT_NE(no_such_entity, nullptr);
  EXPECT_TRUE(no_such_entity->exception);
  EXPECT_EQ(no_such_entity->name, "NoSuchEntityException");
  EXPECT_EQ(no_such_entity->error_status, 404);
  EXPECT_TRUE(no_such_entity->sender_fault);
  EXPECT_EQ(iam.FindError("NoSuchEntityException"), nullptr);

  // S3 members bound to HTTP locations.
  const ServiceModel& s3 = Model("s3");
  const Operation& put_object = Op(s3, "PutObject");
  const Member* metadata = put_object.input->FindMember("Metadata");
  ASSERT_NE(metadata, nullptr);
  EXPECT_EQ(metadata->location, Location::Headers);
  EXPECT_EQ(metadata->WireName(), "x-amz-meta-");
  const Member* body = put_object.input->FindMember("Body");
  ASSERT_NE(body, nullptr);
  EXPECT_TRUE(body->streaming);
  EXPECT_EQ(put_object.input->payload, "Body");
  const Member* key = put_object.input->FindMember("Key");
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->location, Location::Uri);
  EXPECT_EQ(Op(s3, "DeleteObject").response_code, 204);
  EXPECT_TRUE(Op(s3, "GetBucketLifecycle").deprecated);
  EXPECT_FALSE(Op(s3, "GetBucketLifecycleConfiguration").deprecated);
}

TEST(ModelTest, S3UriTemplatesParse) {
  const ServiceModel& s3 = Model("s3");
  const UriTemplate& list_buckets = Op(s3, "ListBuckets").uri;
  EXPECT_TRUE(list_buckets.segments.empty());
  EXPECT_TRUE(list_buckets.query.empty());

  const UriTemplate& put_object = Op(s3, "PutObject").uri;
  ASSERT_EQ(put_object.segments.size(), 2u);
  EXPECT_EQ(put_object.segments[0].label, "Bucket");
  EXPECT_FALSE(put_object.segments[0].greedy);
  EXPECT_EQ(put_object.segments[1].label, "Key");
  EXPECT_TRUE(put_object.segments[1].greedy);

  const UriTemplate& v2 = Op(s3, "ListObjectsV2").uri;
  ASSERT_EQ(v2.segments.size(), 1u);
  ASSERT_EQ(v2.query.size(), 1u);
  EXPECT_EQ(v2.query[0].first, "list-type");
  EXPECT_EQ(v2.query[0].second, "2");

  const UriTemplate& uploads = Op(s3, "CreateMultipartUpload").uri;
  ASSERT_EQ(uploads.query.size(), 1u);
  EXPECT_EQ(uploads.query[0].first, "uploads");
  EXPECT_EQ(uploads.query[0].second, std::nullopt);
}

TEST(ModelTest, UriTemplateParsing) {
  UriTemplate t = ParseUriTemplate("/{Bucket}/static/{Key+}?x-id=GetObject&versioning");
  ASSERT_EQ(t.segments.size(), 3u);
  EXPECT_EQ(t.segments[0].label, "Bucket");
  EXPECT_EQ(t.segments[1].literal, "static");
  EXPECT_TRUE(t.segments[1].label.empty());
  EXPECT_EQ(t.segments[2].label, "Key");
  EXPECT_TRUE(t.segments[2].greedy);
  ASSERT_EQ(t.query.size(), 2u);
  EXPECT_EQ(t.query[0], (std::pair<std::string, std::optional<std::string>>{"x-id", "GetObject"}));
  EXPECT_EQ(t.query[1].first, "versioning");
  EXPECT_FALSE(t.query[1].second.has_value());

  EXPECT_TRUE(ParseUriTemplate("/").segments.empty());
  UriTemplate execute = ParseUriTemplate("/Execute");
  ASSERT_EQ(execute.segments.size(), 1u);
  EXPECT_EQ(execute.segments[0].literal, "Execute");
}

}  // namespace
}  // namespace gureum::protocol
