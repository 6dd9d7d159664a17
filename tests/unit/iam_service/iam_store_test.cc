#include "iam/service/iam_store.h"

#include <filesystem>
#include <regex>

#include <gtest/gtest.h>

#include "iam/policy_document.h"
#include "iam/service/aws_managed_policies.h"
#include "iam/service/iam_access_keys.h"

namespace gureum::iam::api {
namespace {

TEST(IamFormats, UniqueIdsAndArns) {
  std::string id = NewUniqueId("AIDA");
  EXPECT_TRUE(std::regex_match(id, std::regex("AIDA[A-Z0-9]{17}"))) << id;
  EXPECT_NE(id, NewUniqueId("AIDA"));
  EXPECT_EQ(Arn("123456789012", "user", "/", "alice"), "arn:aws:iam::123456789012:user/alice");
  EXPECT_EQ(Arn("123456789012", "policy", "/a/b/", "p"), "arn:aws:iam::123456789012:policy/a/b/p");
  auto t = Clock::TimePoint(std::chrono::seconds(1700000000)) + std::chrono::milliseconds(250);
  EXPECT_EQ(Iso8601(t), "2023-11-14T22:13:20Z");
  EXPECT_EQ(HolderMember(Holder::Group), "GroupName");
}

TEST(IamValidation, Names) {
  EXPECT_TRUE(ValidateName("a+b=c,d.e@f_g-h", "userName", 64));
  auto bad = ValidateName("a/b", "userName", 64);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), "ValidationError");
  EXPECT_NE(bad.error().message().find("regular expression pattern"), std::string::npos);
  EXPECT_FALSE(ValidateName(std::string(65, 'a'), "userName", 64));
  EXPECT_TRUE(ValidateName(std::string(64, 'a'), "userName", 64));
  EXPECT_FALSE(ValidateName("", "userName", 64));
}

TEST(IamValidation, Paths) {
  EXPECT_TRUE(ValidatePath("/"));
  EXPECT_TRUE(ValidatePath("/a/b-c/"));
  EXPECT_FALSE(ValidatePath("a/"));
  EXPECT_FALSE(ValidatePath("/a"));
  EXPECT_FALSE(ValidatePath("/a b/"));
  EXPECT_FALSE(ValidatePath("/" + std::string(511, 'a') + "/"));
  EXPECT_EQ(*PathOf(json::object()), "/");
}

std::vector<json> Items(std::initializer_list<const char*> names) {
  std::vector<json> out;
  for (const char* n : names) out.push_back({{"K", n}});
  return out;
}

TEST(IamPaging, MarkerAndMaxItems) {
  json out;
  Page(json{{"MaxItems", 2}}, Items({"a", "b", "c"}), "K", "L", out);
  EXPECT_EQ(out["L"].size(), 2u);
  EXPECT_TRUE(out["IsTruncated"].get<bool>());
  EXPECT_EQ(out["Marker"], "b");
  json rest;
  Page(json{{"MaxItems", 2}, {"Marker", "b"}}, Items({"a", "b", "c"}), "K", "L", rest);
  EXPECT_EQ(rest["L"], json::array({{{"K", "c"}}}));
  EXPECT_FALSE(rest["IsTruncated"].get<bool>());
  EXPECT_FALSE(rest.contains("Marker"));
  // A marker whose item went away resumes where it sorted.
  json gone;
  Page(json{{"Marker", "bb"}}, Items({"a", "b", "c"}), "K", "L", gone);
  EXPECT_EQ(gone["L"].size(), 1u);
  json exact;
  Page(json::object(), Items({"a", "b"}), "K", "L", exact);
  EXPECT_EQ(exact["L"].size(), 2u);
  EXPECT_FALSE(exact["IsTruncated"].get<bool>());
}

TEST(IamTags, MergeReplaceRemoveAndLimits) {
  json tags = *ValidTags(json::array({{{"Key", "a"}, {"Value", "1"}}}));
  auto merged = MergeTags(
      tags, json::array({{{"Key", "a"}, {"Value", "2"}}, {{"Key", "b"}, {"Value", "3"}}}));
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->size(), 2u);
  EXPECT_EQ((*merged)[0]["Value"], "2");
  EXPECT_EQ(RemoveTags(*merged, json::array({"a"})), json::array({{{"Key", "b"}, {"Value", "3"}}}));
  EXPECT_FALSE(ValidTags(json::array({{{"Key", "x"}}, {{"Key", "x"}}})));
  json many = json::array();
  for (int i = 0; i < 51; ++i) many.push_back({{"Key", std::to_string(i)}, {"Value", ""}});
  auto over = ValidTags(many);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code(), "LimitExceeded");
}

TEST(IamAwsManagedPolicies, ParseAndResolve) {
  for (const auto& p : AwsManagedPolicies()) {
    auto parsed = ParsePolicyText(p.document, PolicyKind::Identity);
    EXPECT_TRUE(parsed) << p.name << ": " << (parsed ? "" : parsed.error().message());
    EXPECT_TRUE(std::regex_match(p.id, std::regex("ANPA[A-Z0-9]{17}"))) << p.name;
    EXPECT_EQ(FindAwsManagedPolicy(p.arn()), &p);
  }
  EXPECT_EQ(FindAwsManagedPolicy("arn:aws:iam::aws:policy/Nope"), nullptr);
}

// The key provider turns a stored key into the user principal STS reports.
TEST(IamUserKeys, LookupBuildsUserPrincipal) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("gureum-iam-keys-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    auto catalog = catalog::Catalog::Open(catalog::CatalogOptions{dir / "catalog.db", false});
    ASSERT_TRUE(catalog);
    ASSERT_TRUE(Migrate(**catalog));
    auto wrote = (*catalog)->Write([](catalog::Connection& db) -> Status {
      GUREUM_RETURN_IF_ERROR(
          api::Run(db,
                   "INSERT INTO iam_users (account_id, name, id, path, created) "
                   "VALUES ('111122223333', 'bob', 'AIDAEXAMPLE', '/ops/', 'x')"));
      return api::Run(db,
                      "INSERT INTO iam_access_keys (access_key_id, account_id, user_name, secret, "
                      "status, created) VALUES ('AKIAEXAMPLE', '111122223333', 'bob', 's', "
                      "'Inactive', 'x')");
    });
    ASSERT_TRUE(wrote);
    auto provider = UserKeyProvider(**catalog);
    auto found = provider->Lookup("AKIAEXAMPLE");
    ASSERT_TRUE(found);
    EXPECT_FALSE(found->active);
    EXPECT_EQ(found->principal.type, auth::PrincipalType::User);
    EXPECT_EQ(found->principal.arn, "arn:aws:iam::111122223333:user/ops/bob");
    EXPECT_EQ(found->principal.user_id, "AIDAEXAMPLE");
    EXPECT_EQ(found->principal.name, "bob");
    EXPECT_FALSE(provider->Lookup("AKIAOTHER"));
    ASSERT_TRUE(Reset(**catalog));
    EXPECT_FALSE(provider->Lookup("AKIAEXAMPLE"));
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gureum::iam::api
