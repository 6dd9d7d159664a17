#pragma once
// The metadata catalog: one SQLite database (WAL mode) under the data directory, shared by every
// service module. Each module owns its tables (`s3_*`, `iam_*`...) and declares versioned
// migrations. All access is from worker threads (SQLite calls block).
//
// Thread safety: Catalog is thread-safe. Writes are serialised on one connection (SQLite allows
// one writer); reads use a pool of connections and run concurrently with the writer.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <sqlite3.h>
#include <tl/expected.hpp>

#include "gureum/core/error.h"

namespace gureum::catalog {

// SQLite result codes as std::error_code (extended codes kept, e.g. SQLITE_CONSTRAINT_UNIQUE).
const std::error_category& SqliteCategory();
inline std::error_code SqliteError(int rc) { return {rc, SqliteCategory()}; }
// True for UNIQUE and PRIMARY KEY violations: the service maps these to "already exists".
bool IsUniqueViolation(std::error_code ec);

template <class T>
using DbResult = tl::expected<T, std::error_code>;
using DbStatus = tl::expected<void, std::error_code>;

// Catalog failures are Gureum's problem, never the client's: InternalError with the detail.
AwsError ToAwsError(std::error_code ec);

// A prepared statement. Binding is 1-based, columns are 0-based (as in SQLite).
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  std::error_code prepare_error() const { return prepare_error_; }

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  Statement& Bind(int index, double value);
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, const std::string& text) {
    return Bind(index, std::string_view(text));
  }
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, std::nullptr_t);
  Statement& Bind(int index, const std::optional<std::string>& text);
  Statement& BindBlob(int index, std::string_view bytes);
  // Binds every argument in order, starting at 1.
  template <class... Args>
  Statement& BindAll(const Args&... args) {
    int i = 0;
    (Bind(++i, args), ...);
    return *this;
  }

  // Advances: true when a row is ready, false when done.
  DbResult<bool> Step();
  // Runs to completion (for statements without rows).
  DbStatus Run();
  void Reset();

  int64_t Int(int column) const;
  double Double(int column) const;
  std::string Text(int column) const;
  std::string Blob(int column) const;  // bytes as stored, NULs included
  std::optional<std::string> OptionalText(int column) const;
  bool IsNull(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::error_code prepare_error_;
};

// One SQLite connection with a cache of prepared statements.
class Connection {
 public:
  Connection(sqlite3* db) : db_(db) {}  // NOLINT: takes ownership
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  DbStatus Exec(std::string_view sql);
  // A cached prepared statement, reset and with bindings cleared, ready to bind.
  DbResult<Statement*> Prepare(const std::string& sql);
  // Resets every statement left mid-iteration. A statement that stepped to a row and was not
  // reset keeps its read transaction (and snapshot) open; Catalog calls this after each use.
  void ResetStatements();
  int64_t changes() const { return sqlite3_changes64(db_); }
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  sqlite3* raw() { return db_; }

 private:
  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

// One step of a module's schema. Versions start at 1 and are applied in order, each in its own
// transaction, and recorded in `schema_migrations`.
struct Migration {
  int version;
  std::string_view sql;
};

struct CatalogOptions {
  std::filesystem::path path;      // The database file; created if missing.
  bool strict_durability = false;  // true: fsync at every commit (synchronous=FULL).
};

class Catalog {
 public:
  static tl::expected<std::unique_ptr<Catalog>, std::string> Open(const CatalogOptions& options);
  ~Catalog();

  // Brings `module`'s tables up to date.
  DbStatus Migrate(std::string_view module, std::span<const Migration> migrations);

  // Runs `fn(Connection&)` on a read connection. `fn` must only read.
  template <class F>
  auto Read(F&& fn) -> std::invoke_result_t<F, Connection&> {
    auto conn = AcquireReader();
    if (!conn) {
      using R = std::invoke_result_t<F, Connection&>;
      return R(tl::unexpected(ErrorFor<R>(conn.error())));
    }
    auto result = fn(**conn);
    (*conn)->ResetStatements();
    ReleaseReader(std::move(*conn));
    return result;
  }

  // Runs `fn(Connection&)` in a write transaction (BEGIN IMMEDIATE). `fn` returns a tl::expected;
  // the transaction commits when it holds a value and rolls back when it holds an error.
  template <class F>
  auto Write(F&& fn) -> std::invoke_result_t<F, Connection&> {
    using R = std::invoke_result_t<F, Connection&>;
    std::lock_guard lock(writer_mu_);
    if (auto begin = writer_->Exec("BEGIN IMMEDIATE"); !begin) {
      return R(tl::unexpected(ErrorFor<R>(begin.error())));
    }
    auto result = fn(*writer_);
    writer_->ResetStatements();
    if (result) {
      if (auto commit = writer_->Exec("COMMIT"); !commit) {
        (void)writer_->Exec("ROLLBACK");
        return R(tl::unexpected(ErrorFor<R>(commit.error())));
      }
    } else {
      (void)writer_->Exec("ROLLBACK");
    }
    return result;
  }

  const std::filesystem::path& path() const { return path_; }

 private:
  Catalog() = default;
  DbResult<std::unique_ptr<Connection>> OpenConnection(bool writer);
  DbResult<std::unique_ptr<Connection>> AcquireReader();
  void ReleaseReader(std::unique_ptr<Connection> conn);

  // Converts a SQLite failure into the error type of the caller's expected<>.
  template <class R>
  static typename R::error_type ErrorFor(std::error_code ec) {
    if constexpr (std::is_same_v<typename R::error_type, AwsError>) {
      return ToAwsError(ec);
    } else {
      return ec;
    }
  }

  std::filesystem::path path_;
  bool strict_ = false;
  std::mutex writer_mu_;
  std::unique_ptr<Connection> writer_;
  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> readers_;
};

}  // namespace gureum::catalog
