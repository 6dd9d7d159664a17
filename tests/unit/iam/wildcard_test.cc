// IAM wildcard matching: `*` and `?`, case rules for actions and ARNs, segment-wise ARN matching,
// and characters made literal by policy variables.

#include "iam/wildcard.h"

#include <gtest/gtest.h>

namespace gureum::iam {
namespace {

TEST(GlobTest, StarAndQuestionMark) {
  EXPECT_TRUE(GlobMatch("*", "", false));
  EXPECT_TRUE(GlobMatch("*", "anything", false));
  EXPECT_TRUE(GlobMatch("a*c", "abbbc", false));
  EXPECT_TRUE(GlobMatch("a*c", "ac", false));
  EXPECT_FALSE(GlobMatch("a*c", "acb", false));
  EXPECT_TRUE(GlobMatch("a?c", "abc", false));
  EXPECT_FALSE(GlobMatch("a?c", "ac", false));
  EXPECT_TRUE(GlobMatch("*a*b*", "xxaxxbxx", false));
  EXPECT_FALSE(GlobMatch("*a*b*", "xxbxxaxx", false));
  EXPECT_TRUE(GlobMatch("**?", "x", false));
  EXPECT_FALSE(GlobMatch("", "x", false));
  EXPECT_TRUE(GlobMatch("", "", false));
}

TEST(GlobTest, CaseSensitivity) {
  EXPECT_FALSE(GlobMatch("ABC", "abc", false));
  EXPECT_TRUE(GlobMatch("ABC", "abc", true));
}

TEST(GlobTest, LiteralCharactersAreNotWildcards) {
  Glob g("prefix/");
  g.AppendLiteral("*");
  EXPECT_TRUE(GlobMatch(g, "prefix/*", false));
  EXPECT_FALSE(GlobMatch(g, "prefix/abc", false));
  Glob q = Glob::Literal("a?");
  EXPECT_FALSE(GlobMatch(q, "ab", false));
  EXPECT_TRUE(GlobMatch(q, "a?", false));
}

TEST(GlobTest, PathologicalPatternIsFast) {
  std::string subject(5000, 'a');
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*a*b", subject, false));
}

TEST(ActionTest, CaseInsensitive) {
  EXPECT_TRUE(ActionMatches("s3:GetObject", "S3:getobject"));
  EXPECT_TRUE(ActionMatches("s3:Get*", "s3:GetObjectAcl"));
  EXPECT_TRUE(ActionMatches("S3:*", "s3:ListBucket"));
  EXPECT_TRUE(ActionMatches("*", "ec2:RunInstances"));
  EXPECT_TRUE(ActionMatches("iam:?etUser", "iam:GetUser"));
  EXPECT_FALSE(ActionMatches("s3:Get*", "s3:PutObject"));
  EXPECT_FALSE(ActionMatches("s3:GetObject", "s3:GetObjectAcl"));
  EXPECT_FALSE(ActionMatches("s3:*", "s3x:GetObject"));
}

TEST(ArnTest, SegmentWise) {
  EXPECT_TRUE(ArnMatches(Glob("arn:aws:s3:::bucket/*"), "arn:aws:s3:::bucket/a/b:c"));
  EXPECT_TRUE(ArnMatches(Glob("arn:aws:iam::*:role/*"), "arn:aws:iam::111122223333:role/x"));
  // A wildcard in one of the first five parts does not reach across a colon.
  EXPECT_FALSE(ArnMatches(Glob("arn:aws:*:role/x"), "arn:aws:iam::111122223333:role/x"));
  EXPECT_TRUE(ArnMatches(Glob("arn:aws:ec2:*:*:instance/*"),
                         "arn:aws:ec2:ap-northeast-2:111122223333:instance/i-1"));
  EXPECT_FALSE(ArnMatches(Glob("arn:aws:ec2:us-*:*:instance/*"),
                          "arn:aws:ec2:ap-northeast-2:111122223333:instance/i-1"));
  // The resource part keeps its colons and matches as a whole.
  EXPECT_TRUE(ArnMatches(Glob("arn:aws:logs:*:*:log-group:*"),
                         "arn:aws:logs:r:111122223333:log-group:g:log-stream:s"));
  EXPECT_FALSE(ArnMatches(Glob("arn:aws:s3:::Bucket/*"), "arn:aws:s3:::bucket/k"));
  EXPECT_FALSE(ArnMatches(Glob("arn:aws:s3:::*"), "not-an-arn"));
}

TEST(ResourceTest, StarMatchesEverything) {
  EXPECT_TRUE(ResourceMatches(Glob("*"), "*"));
  EXPECT_TRUE(ResourceMatches(Glob("*"), "arn:aws:s3:::b"));
  EXPECT_FALSE(ResourceMatches(Glob::Literal("*"), "arn:aws:s3:::b"));
  EXPECT_FALSE(ResourceMatches(Glob("arn:aws:s3:::b"), "arn:aws:s3:::b/k"));
  EXPECT_TRUE(ResourceMatches(Glob("arn:aws:s3:::b*"), "arn:aws:s3:::b/k"));
}

TEST(ResourceMatchTest, PlainAndGlobPatternsAgree) {
  // The evaluator matches variable-free patterns without building a Glob; both paths must give
  // the same answers, including for non-ARN resources and the literal-prefix shortcut.
  const char* patterns[] = {"*",
                            "arn:aws:s3:::bucket/*",
                            "arn:aws:s3:::bucket/key",
                            "arn:aws:s3:::bucket/k?y",
                            "arn:aws:s3:::buck*",
                            "arn:aws:*:*:*:*",
                            "arn:aws:ec2:*:111122223333:instance/*",
                            "arn:aws:s3:::*/home/*",
                            "bucket",
                            "arn:aws:s3"};
  const char* resources[] = {"arn:aws:s3:::bucket/key",
                             "arn:aws:s3:::bucket/kxy",
                             "arn:aws:s3:::bucket",
                             "arn:aws:s3:::bucket2/key",
                             "arn:aws:s3:::b/home/alice",
                             "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
                             "bucket",
                             "arn:aws:s3"};
  for (const char* p : patterns) {
    for (const char* r : resources) {
      EXPECT_EQ(ResourceMatches(std::string_view(p), r), ResourceMatches(Glob(p), r))
          << p << " vs " << r;
    }
  }
  // Not ARNs: only "*" matches them, even an identical text.
  EXPECT_FALSE(ResourceMatches(std::string_view("bucket"), "bucket"));
  EXPECT_TRUE(ResourceMatches(std::string_view("*"), "bucket"));
  // A wildcard never spans the colon-separated parts before the resource.
  EXPECT_FALSE(ResourceMatches(std::string_view("arn:aws:s3:::*"), "arn:aws:s3:us-east-1::x"));
  EXPECT_TRUE(
      ResourceMatches(std::string_view("arn:aws:s3:::bucket/*"), "arn:aws:s3:::bucket/a:b"));
}

}  // namespace
}  // namespace gureum::iam
