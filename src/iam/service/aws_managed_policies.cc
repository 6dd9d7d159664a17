#include "iam/service/aws_managed_policies.h"

namespace gureum::iam::api {
namespace {

std::string Allow(std::string_view actions) {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":)" +
         std::string(actions) + R"(,"Resource":"*"}]})";
}

// AWS's ReadOnlyAccess lists the read verbs of every service one by one (IAM rejects a "*"
// vendor); this one does the same for the services people point local tools at.
std::string ReadOnlyActions() {
  static constexpr std::string_view kServices[] = {"autoscaling",
                                                   "cloudformation",
                                                   "cloudwatch",
                                                   "dynamodb",
                                                   "ec2",
                                                   "ecr",
                                                   "ecs",
                                                   "eks",
                                                   "elasticloadbalancing",
                                                   "iam",
                                                   "kms",
                                                   "lambda",
                                                   "logs",
                                                   "rds",
                                                   "route53",
                                                   "s3",
                                                   "sns",
                                                   "sqs",
                                                   "ssm",
                                                   "sts"};
  std::string actions = "[";
  for (auto service : kServices) {
    for (std::string_view verb : {"Describe*", "Get*", "List*"}) {
      if (actions.size() > 1) actions += ",";
      actions += "\"" + std::string(service) + ":" + std::string(verb) + "\"";
    }
  }
  return actions + "]";
}

}  // namespace

const std::vector<AwsManagedPolicy>& AwsManagedPolicies() {
  static const std::vector<AwsManagedPolicy> policies = {
      {"AdministratorAccess", "ANPAIWMBCKSKIEE64ZLYK",
       "Provides full access to AWS services and resources.", Allow(R"("*")")},
      {"ReadOnlyAccess", "ANPAILL3HVNFSB6DCOWYQ",
       "Provides read-only access to AWS services and resources.", Allow(ReadOnlyActions())},
      {"AmazonS3FullAccess", "ANPAIFIR6V6BVTRAHWINE", "Provides full access to all buckets.",
       Allow(R"(["s3:*","s3-object-lambda:*"])")},
      {"AmazonS3ReadOnlyAccess", "ANPAIZTJ4DXE7G6AGAE6M",
       "Provides read only access to all buckets.",
       Allow(R"(["s3:Get*","s3:List*","s3:Describe*","s3-object-lambda:Get*",)"
             R"("s3-object-lambda:List*"])")},
      {"AmazonEC2FullAccess", "ANPAI3VAJF5ZCRZ7MCQE6", "Provides full access to Amazon EC2.",
       Allow(R"(["ec2:*","elasticloadbalancing:*","cloudwatch:*","autoscaling:*"])")},
      {"AmazonRDSFullAccess", "ANPAI3R4QMOG6Q5A4VWVG", "Provides full access to Amazon RDS.",
       Allow(R"(["rds:*","rds-data:*","cloudwatch:GetMetricStatistics",)"
             R"("cloudwatch:ListMetrics","ec2:Describe*","sns:ListSubscriptions"])")},
      {"IAMFullAccess", "ANPAI7XKCFMBPM3QQRRVQ", "Provides full access to IAM.",
       Allow(R"(["iam:*","organizations:DescribeAccount","organizations:DescribeOrganization",)"
             R"("organizations:ListRoots"])")},
  };
  return policies;
}

const AwsManagedPolicy* FindAwsManagedPolicy(std::string_view arn) {
  for (const auto& policy : AwsManagedPolicies()) {
    if (policy.arn() == arn) return &policy;
  }
  return nullptr;
}

}  // namespace gureum::iam::api
