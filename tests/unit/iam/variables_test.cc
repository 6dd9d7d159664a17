// Policy variables: substitution, defaults, the ${*} ${?} ${$} escapes, missing keys.

#include "iam/variables.h"

#include <gtest/gtest.h>

namespace gureum::iam {
namespace {

Context Ctx() {
  Context c;
  c.Set("aws:username", "alice");
  c.Set("aws:PrincipalTag/team", "red");
  c.Set("s3:prefix", "a*b");
  c.Set("aws:TagKeys", std::vector<std::string>{"x", "y"});
  return c;
}

TEST(VariablesTest, Substitutes) {
  auto g = SubstituteVariables("arn:aws:s3:::b/${aws:username}/*", Ctx(), true);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->text(), "arn:aws:s3:::b/alice/*");
  EXPECT_TRUE(GlobMatch(*g, "arn:aws:s3:::b/alice/k", false));
}

TEST(VariablesTest, KeysAreCaseInsensitive) {
  auto g = SubstituteVariables("${AWS:UserName}-${aws:principaltag/TEAM}", Ctx(), true);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->text(), "alice-red");
}

TEST(VariablesTest, MissingKeyMatchesNothing) {
  EXPECT_FALSE(SubstituteVariables("x/${aws:userid}", Ctx(), true));
  // Multivalued keys cannot be substituted either.
  EXPECT_FALSE(SubstituteVariables("x/${aws:TagKeys}", Ctx(), true));
}

TEST(VariablesTest, DefaultValue) {
  auto g = SubstituteVariables("${aws:userid, 'nobody'}/${aws:username,'x'}", Ctx(), true);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->text(), "nobody/alice");
}

TEST(VariablesTest, EscapesAreLiteral) {
  auto g = SubstituteVariables("a${*}b${?}c${$}", Ctx(), true);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->text(), "a*b?c$");
  EXPECT_TRUE(GlobMatch(*g, "a*b?c$", false));
  EXPECT_FALSE(GlobMatch(*g, "axxb?c$", false));
}

TEST(VariablesTest, ValuesAreLiteral) {
  auto g = SubstituteVariables("${s3:prefix}", Ctx(), true);
  ASSERT_TRUE(g);
  EXPECT_TRUE(GlobMatch(*g, "a*b", false));
  EXPECT_FALSE(GlobMatch(*g, "axxb", false));
}

TEST(VariablesTest, DisabledForOldVersion) {
  auto g = SubstituteVariables("b/${aws:username}", Ctx(), false);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->text(), "b/${aws:username}");
}

TEST(VariablesTest, UnterminatedIsText) {
  auto g = SubstituteVariables("b/${aws:username", Ctx(), true);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->text(), "b/${aws:username");
}

}  // namespace
}  // namespace gureum::iam
