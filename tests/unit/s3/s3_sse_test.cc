// SSE-C header validation, key checks on reads and uploads, and the master key file.
#include "s3/s3_sse.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "gureum/core/crypto.h"
#include "gureum/core/encoding.h"

#include <sys/stat.h>

namespace gureum::s3 {
namespace {

using nlohmann::json;

std::string RawKey(char fill) { return std::string(32, fill); }

json KeyHeaders(const std::string& raw) {
  return {{"SSECustomerAlgorithm", "AES256"},
          {"SSECustomerKey", Base64Encode(raw)},
          {"SSECustomerKeyMD5", Base64Encode(Md5(raw))}};
}

std::string ErrorOf(const Result<std::optional<CustomerKey>>& r) {
  return r ? "ok"
           : r.error().code() + "/" + std::to_string(r.error().http_status()) + ": " +
                 r.error().message();
}

TEST(CustomerKeyTest, NoHeadersMeansNoKey) {
  auto key = CustomerKeyFrom(json::object(), KeyHeaders::Object, KeyUse::Write);
  ASSERT_TRUE(key);
  EXPECT_FALSE(key->has_value());
}

TEST(CustomerKeyTest, CompleteTripleIsAccepted) {
  auto key = CustomerKeyFrom(KeyHeaders(RawKey('k')), KeyHeaders::Object, KeyUse::Write);
  ASSERT_TRUE(key) << ErrorOf(key);
  ASSERT_TRUE(key->has_value());
  EXPECT_EQ((*key)->key, RawKey('k'));
  EXPECT_EQ((*key)->key_md5, Base64Encode(Md5(RawKey('k'))));
}

TEST(CustomerKeyTest, CopySourceHeadersAreSeparate) {
  json in = KeyHeaders(RawKey('k'));
  auto none = CustomerKeyFrom(in, KeyHeaders::CopySource, KeyUse::Read);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  json copy = {{"CopySourceSSECustomerAlgorithm", "AES256"},
               {"CopySourceSSECustomerKey", Base64Encode(RawKey('c'))}};
  auto key = CustomerKeyFrom(copy, KeyHeaders::CopySource, KeyUse::Read);
  ASSERT_TRUE(key) << ErrorOf(key);
  EXPECT_EQ((*key)->key, RawKey('c'));
}

TEST(CustomerKeyTest, IncompleteOrWrongHeadersAreInvalidArgument) {
  struct Case {
    const char* name;
    json in;
    KeyUse use;
    const char* message;
  };
  json full = KeyHeaders(RawKey('k'));
  json no_algorithm = full;
  no_algorithm.erase("SSECustomerAlgorithm");
  json bad_algorithm = full;
  bad_algorithm["SSECustomerAlgorithm"] = "AES128";
  json no_key = full;
  no_key.erase("SSECustomerKey");
  json no_md5 = full;
  no_md5.erase("SSECustomerKeyMD5");
  json wrong_md5 = full;
  wrong_md5["SSECustomerKeyMD5"] = Base64Encode(Md5("other"));
  std::string short_key(16, 's');
  json short_write = KeyHeaders(short_key);
  json empty_key = {{"SSECustomerAlgorithm", "AES256"}, {"SSECustomerKey", "####"}};
  const Case cases[] = {
      {"no algorithm", no_algorithm, KeyUse::Write, "must provide a valid encryption algorithm."},
      {"bad algorithm", bad_algorithm, KeyUse::Read,
       "The encryption algorithm specified is not valid."},
      {"no key", no_key, KeyUse::Read, "must provide an appropriate secret key."},
      {"no md5 on write", no_md5, KeyUse::Write, "the client calculated MD5 of the secret key."},
      {"wrong md5", wrong_md5, KeyUse::Read, "did not match the hash that was provided."},
      {"16-byte key on write", short_write, KeyUse::Write, "invalid for the specified algorithm."},
      {"undecodable key", empty_key, KeyUse::Read, "The secret key was invalid - too short."},
  };
  for (const auto& c : cases) {
    auto r = CustomerKeyFrom(c.in, KeyHeaders::Object, c.use);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().code(), "InvalidArgument") << c.name;
    EXPECT_EQ(r.error().http_status(), 400) << c.name;
    EXPECT_NE(r.error().message().find(c.message), std::string::npos)
        << c.name << ": " << r.error().message();
  }
}

TEST(CustomerKeyTest, ReadsAcceptAKeyWithoutItsMd5AndAnyLength) {
  json in = {{"SSECustomerAlgorithm", "AES256"}, {"SSECustomerKey", Base64Encode("ten bytes!")}};
  auto key = CustomerKeyFrom(in, KeyHeaders::Object, KeyUse::Read);
  ASSERT_TRUE(key) << ErrorOf(key);
  EXPECT_EQ((*key)->key, "ten bytes!");
}

SseSettings Plain() { return {}; }

SseSettings AtRest() {
  SseSettings s;
  s.master = DataKey{RawKey('m')};
  s.at_rest = true;
  return s;
}

CustomerKey Customer(char fill) { return {RawKey(fill), Base64Encode(Md5(RawKey(fill)))}; }

TEST(ApplySseTest, CustomerKeyIsRecordedByItsMd5Only) {
  json meta = json::object();
  ASSERT_TRUE(ApplySse(meta, json::object(), Customer('a'), AtRest(), nullptr));
  EXPECT_EQ(meta["Sse"]["Type"], "SSE-C");
  EXPECT_EQ(meta["Sse"]["KeyMD5"], Customer('a').key_md5);
  EXPECT_EQ(meta.dump().find(Base64Encode(RawKey('a'))), std::string::npos);
  json out = json::object();
  AddSseMembers(out, meta);
  EXPECT_EQ(out, (json{{"SSECustomerAlgorithm", "AES256"},
                       {"SSECustomerKeyMD5", Customer('a').key_md5}}));
}

TEST(ApplySseTest, SseS3HeaderWithCustomerKeyIsRefused) {
  json meta = json::object();
  auto r = ApplySse(meta, {{"ServerSideEncryption", "AES256"}}, Customer('a'), Plain(), nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), "InvalidArgument");
}

TEST(ApplySseTest, UnknownMethodIsRefused) {
  json meta = json::object();
  auto r = ApplySse(meta, {{"ServerSideEncryption", "AES128"}}, std::nullopt, Plain(), nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), "InvalidArgument");
}

TEST(ApplySseTest, BucketDefaultAppliesWhenTheRequestNamesNone) {
  json meta = json::object();
  json rule = {{"SSEAlgorithm", "aws:kms"}, {"KMSMasterKeyID", "alias/mine"}};
  ASSERT_TRUE(ApplySse(meta, json::object(), std::nullopt, Plain(), rule));
  EXPECT_EQ(meta["ServerSideEncryption"], "aws:kms");
  EXPECT_EQ(meta["SSEKMSKeyId"], "alias/mine");
  EXPECT_FALSE(meta.contains("Sse"));  // not encrypted at rest: not configured
}

TEST(ApplySseTest, AtRestMarksObjectsForTheMasterKey) {
  json meta = {{"Sse", {{"Type", "SSE-C"}, {"KeyMD5", "x"}}}};  // copied from a source
  ASSERT_TRUE(ApplySse(meta, json::object(), std::nullopt, AtRest(), nullptr));
  EXPECT_EQ(meta["Sse"], (json{{"Type", "master"}}));
  EXPECT_EQ(meta["ServerSideEncryption"], "AES256");
  auto key = KeyForWrite(meta, std::nullopt, AtRest());
  ASSERT_TRUE(key && key->has_value());
  EXPECT_EQ((*key)->base, RawKey('m'));
}

TEST(KeyForReadTest, CustomerObjectNeedsItsKey) {
  json meta = {{"Sse", {{"Type", "SSE-C"}, {"KeyMD5", Customer('a').key_md5}}}};
  auto missing = KeyForRead(meta, std::nullopt, Plain());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), "InvalidRequest");
  auto wrong = KeyForRead(meta, Customer('b'), Plain());
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code(), "AccessDenied");
  EXPECT_EQ(wrong.error().http_status(), 403);
  auto right = KeyForRead(meta, Customer('a'), Plain());
  ASSERT_TRUE(right && right->has_value());
  EXPECT_EQ((*right)->base, RawKey('a'));
}

TEST(KeyForReadTest, KeyForAPlainObjectIsNotApplicable) {
  auto r = KeyForRead(json::object(), Customer('a'), Plain());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), "InvalidRequest");
  auto plain = KeyForRead(json::object(), std::nullopt, AtRest());
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->has_value());  // written before at-rest encryption: stays plaintext
}

TEST(KeyForReadTest, MasterObjectWithoutTheMasterKeyFails) {
  json meta = {{"Sse", {{"Type", "master"}}}};
  EXPECT_FALSE(KeyForRead(meta, std::nullopt, Plain()));
  auto r = KeyForRead(meta, std::nullopt, AtRest());
  ASSERT_TRUE(r && r->has_value());
}

TEST(UploadKeyTest, PartsMustRepeatTheUploadsKey) {
  json upload = {{"Sse", {{"Type", "SSE-C"}, {"KeyMD5", Customer('a').key_md5}}}};
  EXPECT_TRUE(CheckUploadKey(upload, Customer('a')));
  EXPECT_FALSE(CheckUploadKey(upload, Customer('b')));
  EXPECT_FALSE(CheckUploadKey(upload, std::nullopt));
  EXPECT_FALSE(CheckUploadKey(json::object(), Customer('a')));
  EXPECT_TRUE(CheckUploadKey(json::object(), std::nullopt));
}

class MasterKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gureum-master-key-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(MasterKeyTest, AbsentAndNotCreatedIsNone) {
  auto key = LoadMasterKey(dir_ / "master.key", false);
  ASSERT_TRUE(key);
  EXPECT_FALSE(key->has_value());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "master.key"));
}

TEST_F(MasterKeyTest, CreatedOncePrivateAndStable) {
  auto first = LoadMasterKey(dir_ / "master.key", true);
  ASSERT_TRUE(first && first->has_value()) << (first ? "" : first.error().message());
  EXPECT_EQ((*first)->base.size(), 32u);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "master.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = LoadMasterKey(dir_ / "master.key", true);
  ASSERT_TRUE(again && again->has_value());
  EXPECT_EQ((*again)->base, (*first)->base);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_),
                          std::filesystem::directory_iterator()),
            1);  // no temporary file left behind
}

TEST_F(MasterKeyTest, WrongSizeIsAnError) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / "master.key") << "too short";
  EXPECT_FALSE(LoadMasterKey(dir_ / "master.key", true));
}

}  // namespace
}  // namespace gureum::s3
