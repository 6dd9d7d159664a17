#include "daemon/config.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include <stdlib.h>

namespace gureum::daemon {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public testing::Test {
 protected:
  void TearDown() override {
    for (const char* var :
         {"GUREUM_LISTEN", "GUREUM_REGION", "GUREUM_CONFIG", "GUREUM_EPHEMERAL"}) {
      unsetenv(var);
    }
    if (!file_.empty()) fs::remove(file_);
  }
  fs::path WriteFile(const std::string& text) {
    file_ = fs::temp_directory_path() / ("gureum-config-" + std::to_string(::getpid()) + ".toml");
    std::ofstream(file_) << text;
    return file_;
  }
  fs::path file_;
};

TEST_F(ConfigTest, DefaultsAreTheDocumentedOnes) {
  auto c = LoadConfig({});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->listen, "127.0.0.1:4566");
  EXPECT_EQ(c->region, "us-east-1");
  EXPECT_EQ(c->log_format, "text");
  EXPECT_EQ(c->default_access_key, "test");
  EXPECT_EQ(c->max_clock_skew, 900);
  EXPECT_FALSE(c->ephemeral);
  EXPECT_FALSE(c->data_dir.empty());
}

TEST_F(ConfigTest, FlagsInBothForms) {
  auto c = LoadConfig({"--listen", "0.0.0.0:5000", "--region=ap-northeast-2", "--ephemeral",
                       "--log-format", "json", "--max-request-body", "2MiB"});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->listen, "0.0.0.0:5000");
  EXPECT_EQ(c->region, "ap-northeast-2");
  EXPECT_TRUE(c->ephemeral);
  EXPECT_EQ(c->log_format, "json");
  EXPECT_EQ(c->max_request_body, 2u << 20);
}

TEST_F(ConfigTest, PrecedenceIsFileThenEnvironmentThenFlags) {
  auto path = WriteFile(
      "listen = \"127.0.0.1:1111\"\nregion = \"eu-west-1\"\nlog_level = \"debug\"\n"
      "[[accounts]]\nid = \"111122223333\"\naccess_key_id = \"AK1\"\n"
      "secret_access_key = \"S1\"\n");
  setenv("GUREUM_REGION", "us-west-2", 1);
  auto c = LoadConfig({"--config", path.string(), "--listen", "127.0.0.1:2222"});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->listen, "127.0.0.1:2222");  // flag over file
  EXPECT_EQ(c->region, "us-west-2");       // environment over file
  EXPECT_EQ(c->log_level, "debug");        // file over default
  ASSERT_EQ(c->accounts.size(), 1u);
  EXPECT_EQ(c->accounts[0].id, "111122223333");
  EXPECT_EQ(c->accounts[0].access_key_id, "AK1");
}

TEST_F(ConfigTest, ConfigFileFromEnvironment) {
  auto path = WriteFile("region = \"sa-east-1\"\n");
  setenv("GUREUM_CONFIG", path.c_str(), 1);
  auto c = LoadConfig({});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->region, "sa-east-1");
}

TEST_F(ConfigTest, ErrorsNameTheSetting) {
  auto bad_level = LoadConfig({"--log-level", "loud"});
  ASSERT_FALSE(bad_level);
  EXPECT_NE(bad_level.error().message().find("log_level"), std::string::npos);
  auto unknown = LoadConfig({"--no-such-flag"});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("--no-such-flag"), std::string::npos);
  auto bad_int = LoadConfig({"--max-clock-skew", "soon"});
  EXPECT_FALSE(bad_int);
  setenv("GUREUM_EPHEMERAL", "perhaps", 1);
  auto bad_bool = LoadConfig({});
  ASSERT_FALSE(bad_bool);
  EXPECT_NE(bad_bool.error().message().find("ephemeral"), std::string::npos);
}

TEST_F(ConfigTest, BadFilesAreRejected) {
  auto syntax = WriteFile("listen = \n");
  EXPECT_FALSE(LoadConfig({"--config", syntax.string()}));
  auto unknown = WriteFile("colour = \"blue\"\n");
  auto c = LoadConfig({"--config", unknown.string()});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message().find("colour"), std::string::npos);
  auto account = WriteFile(
      "[[accounts]]\nid = \"12\"\naccess_key_id = \"A\"\n"
      "secret_access_key = \"B\"\n");
  EXPECT_FALSE(LoadConfig({"--config", account.string()}));
}

TEST_F(ConfigTest, HelpListsEverySettingWithItsVariable) {
  std::string help = ServeHelp();
  for (const char* needle : {"--listen", "GUREUM_LISTEN", "--data-dir", "--ephemeral",
                             "--log-level", "--log-format", "GUREUM_MAX_CLOCK_SKEW"}) {
    EXPECT_NE(help.find(needle), std::string::npos) << needle;
  }
}

}  // namespace
}  // namespace gureum::daemon
