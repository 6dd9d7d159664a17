#include "gureum/catalog/catalog.h"

#include <array>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

namespace gureum::catalog {
namespace {

namespace fs = std::filesystem;

class CatalogTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("gureum-catalog-test-" + std::to_string(::getpid()) + "-" +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto opened = Catalog::Open(CatalogOptions{dir_ / "catalog.db", false});
    ASSERT_TRUE(opened) << opened.error();
    catalog_ = std::move(*opened);
  }
  void TearDown() override {
    catalog_.reset();
    fs::remove_all(dir_);
  }

  DbResult<int64_t> Count(const std::string& table) {
    return catalog_->Read([&](Connection& db) -> DbResult<int64_t> {
      auto s = db.Prepare("SELECT COUNT(*) FROM " + table);
      if (!s) return tl::unexpected(s.error());
      auto row = (*s)->Step();
      if (!row) return tl::unexpected(row.error());
      return (*s)->Int(0);
    });
  }

  fs::path dir_;
  std::unique_ptr<Catalog> catalog_;
};

constexpr std::array kMigrations = {
    Migration{1, "CREATE TABLE t_items (name TEXT PRIMARY KEY, size INTEGER NOT NULL)"},
    Migration{2, "ALTER TABLE t_items ADD COLUMN note TEXT"},
};

TEST_F(CatalogTest, MigrationsApplyOnceAndInOrder) {
  ASSERT_TRUE(catalog_->Migrate("test", kMigrations));
  ASSERT_TRUE(catalog_->Migrate("test", kMigrations));  // idempotent
  auto versions = catalog_->Read([](Connection& db) -> DbResult<int64_t> {
    auto s = db.Prepare("SELECT COUNT(*) FROM schema_migrations WHERE module = 'test'");
    if (!s) return tl::unexpected(s.error());
    auto row = (*s)->Step();
    if (!row) return tl::unexpected(row.error());
    return (*s)->Int(0);
  });
  ASSERT_TRUE(versions);
  EXPECT_EQ(*versions, 2);
  auto insert = catalog_->Write([](Connection& db) -> DbStatus {
    auto s = db.Prepare("INSERT INTO t_items (name, size, note) VALUES (?, ?, ?)");
    if (!s) return tl::unexpected(s.error());
    (*s)->BindAll("a", 1, "column from migration 2");
    return (*s)->Run();
  });
  EXPECT_TRUE(insert);
}

TEST_F(CatalogTest, FailedMigrationLeavesNothingBehind) {
  constexpr std::array bad = {
      Migration{1, "CREATE TABLE t_ok (x INTEGER); CREATE TABLE t_broken (syntax error here"},
  };
  EXPECT_FALSE(catalog_->Migrate("bad", bad));
  EXPECT_FALSE(Count("t_ok"));  // the whole migration rolled back
}

TEST_F(CatalogTest, WriteRollsBackWhenTheCallbackFails) {
  ASSERT_TRUE(catalog_->Migrate("test", kMigrations));
  auto result = catalog_->Write([](Connection& db) -> DbStatus {
    auto s = db.Prepare("INSERT INTO t_items (name, size) VALUES ('x', 1)");
    if (!s) return tl::unexpected(s.error());
    if (auto r = (*s)->Run(); !r) return r;
    return tl::unexpected(std::make_error_code(std::errc::operation_canceled));
  });
  EXPECT_FALSE(result);
  auto count = Count("t_items");
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 0);
}

TEST_F(CatalogTest, UniqueViolationIsRecognised) {
  ASSERT_TRUE(catalog_->Migrate("test", kMigrations));
  auto insert = [&] {
    return catalog_->Write([](Connection& db) -> DbStatus {
      auto s = db.Prepare("INSERT INTO t_items (name, size) VALUES ('dup', 1)");
      if (!s) return tl::unexpected(s.error());
      return (*s)->Run();
    });
  };
  ASSERT_TRUE(insert());
  auto second = insert();
  ASSERT_FALSE(second);
  EXPECT_TRUE(IsUniqueViolation(second.error())) << second.error().message();
  EXPECT_EQ(ToAwsError(second.error()).code(), "InternalError");
}

TEST_F(CatalogTest, BadSqlIsAnErrorNotACrash) {
  auto result = catalog_->Read([](Connection& db) -> DbResult<int> {
    auto s = db.Prepare("SELEKT nonsense");
    if (!s) return tl::unexpected(s.error());
    return 1;
  });
  EXPECT_FALSE(result);
}

TEST_F(CatalogTest, ReadersSeeCommittedWritesFromOtherThreads) {
  ASSERT_TRUE(catalog_->Migrate("test", kMigrations));
  constexpr int kWriters = 4, kRows = 50;
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kRows; ++i) {
        auto r = catalog_->Write([&](Connection& db) -> DbStatus {
          auto s = db.Prepare("INSERT INTO t_items (name, size) VALUES (?, ?)");
          if (!s) return tl::unexpected(s.error());
          (*s)->BindAll("w" + std::to_string(w) + "-" + std::to_string(i), i);
          return (*s)->Run();
        });
        ASSERT_TRUE(r);
        ASSERT_TRUE(Count("t_items"));
      }
    });
  }
  for (auto& t : threads) t.join();
  auto count = Count("t_items");
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, kWriters * kRows);
}

// A statement read only to its first row must not pin its connection to an old snapshot.
TEST_F(CatalogTest, AHalfReadStatementDoesNotHideLaterWrites) {
  ASSERT_TRUE(catalog_->Migrate("test", kMigrations));
  auto insert = [&](const std::string& name) {
    return catalog_->Write([&](Connection& db) -> DbStatus {
      auto s = db.Prepare("INSERT INTO t_items (name, size) VALUES (?, 1)");
      if (!s) return tl::unexpected(s.error());
      (*s)->Bind(1, name);
      return (*s)->Run();
    });
  };
  auto exists = [&](const std::string& name) {
    return catalog_->Read([&](Connection& db) -> DbResult<bool> {
      auto s = db.Prepare("SELECT name FROM t_items WHERE name >= ? ORDER BY name");
      if (!s) return tl::unexpected(s.error());
      (*s)->Bind(1, name);
      auto row = (*s)->Step();  // first row only; the statement is left mid-iteration
      if (!row) return tl::unexpected(row.error());
      return *row && (*s)->Text(0) == name;
    });
  };
  ASSERT_TRUE(insert("a"));
  ASSERT_TRUE(insert("b"));
  EXPECT_TRUE(*exists("a"));
  ASSERT_TRUE(insert("c"));
  // Another statement on the same pooled connection sees the third row.
  auto count = Count("t_items");
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 3);
}

TEST_F(CatalogTest, StateSurvivesReopening) {
  ASSERT_TRUE(catalog_->Migrate("test", kMigrations));
  ASSERT_TRUE(catalog_->Write([](Connection& db) -> DbStatus {
    auto s = db.Prepare("INSERT INTO t_items (name, size) VALUES ('kept', 7)");
    if (!s) return tl::unexpected(s.error());
    return (*s)->Run();
  }));
  catalog_.reset();
  auto reopened = Catalog::Open(CatalogOptions{dir_ / "catalog.db", true});
  ASSERT_TRUE(reopened);
  catalog_ = std::move(*reopened);
  auto count = Count("t_items");
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 1);
}

}  // namespace
}  // namespace gureum::catalog
