#include "gureum/catalog/catalog.h"

#include <spdlog/spdlog.h>

namespace gureum::catalog {
namespace {

class SqliteCategoryImpl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "sqlite"; }
  std::string message(int rc) const override { return sqlite3_errstr(rc); }
};

// Busy waits are rare (one writer connection per process) but `gureum accounts add` may write
// from a second process while the daemon runs.
constexpr int kBusyTimeoutMs = 5000;

}  // namespace

const std::error_category& SqliteCategory() {
  static SqliteCategoryImpl category;
  return category;
}

bool IsUniqueViolation(std::error_code ec) {
  return ec.category() == SqliteCategory() &&
         (ec.value() == SQLITE_CONSTRAINT_UNIQUE || ec.value() == SQLITE_CONSTRAINT_PRIMARYKEY);
}

AwsError ToAwsError(std::error_code ec) {
  return AwsError(ErrorCode::InternalError, "catalog error: " + ec.message());
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    spdlog::error("catalog: cannot prepare [{}]: {}", sql, sqlite3_errmsg(db));
    prepare_error_ = SqliteError(rc);
    stmt_ = nullptr;
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
Statement& Statement::Bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}
Statement& Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Statement& Statement::Bind(int index, std::nullptr_t) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}
Statement& Statement::Bind(int index, const std::optional<std::string>& text) {
  return text ? Bind(index, std::string_view(*text)) : Bind(index, nullptr);
}
Statement& Statement::BindBlob(int index, std::string_view bytes) {
  sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  return *this;
}

DbResult<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  int extended = sqlite3_extended_errcode(db_);
  return tl::unexpected(SqliteError(extended != 0 ? extended : rc));
}

DbStatus Statement::Run() {
  for (;;) {
    auto row = Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return {};
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::Double(int column) const { return sqlite3_column_double(stmt_, column); }
std::string Statement::Text(int column) const {
  auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)))
           : std::string();
}
std::string Statement::Blob(int column) const {
  auto p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)))
           : std::string();
}
std::optional<std::string> Statement::OptionalText(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Text(column);
}
bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Connection::~Connection() {
  cache_.clear();
  sqlite3_close_v2(db_);
}

DbStatus Connection::Exec(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    spdlog::debug("catalog: exec failed: {}", message ? message : "");
    sqlite3_free(message);
    int extended = sqlite3_extended_errcode(db_);
    return tl::unexpected(SqliteError(extended != 0 ? extended : rc));
  }
  return {};
}

void Connection::ResetStatements() {
  for (sqlite3_stmt* s = sqlite3_next_stmt(db_, nullptr); s != nullptr;
       s = sqlite3_next_stmt(db_, s)) {
    if (sqlite3_stmt_busy(s)) sqlite3_reset(s);
  }
}

DbResult<Statement*> Connection::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    auto stmt = std::make_unique<Statement>(db_, sql);
    if (!stmt->ok()) return tl::unexpected(stmt->prepare_error());
    it = cache_.emplace(sql, std::move(stmt)).first;
  }
  it->second->Reset();
  return it->second.get();
}

tl::expected<std::unique_ptr<Catalog>, std::string> Catalog::Open(const CatalogOptions& options) {
  std::unique_ptr<Catalog> catalog(new Catalog());
  catalog->path_ = options.path;
  catalog->strict_ = options.strict_durability;
  auto writer = catalog->OpenConnection(true);
  if (!writer) {
    return tl::unexpected("cannot open catalog " + options.path.string() + ": " +
                          writer.error().message());
  }
  catalog->writer_ = std::move(*writer);
  auto status = catalog->writer_->Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      "  module TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL,"
      "  PRIMARY KEY (module, version))");
  if (!status) return tl::unexpected("cannot initialise catalog: " + status.error().message());
  return catalog;
}

Catalog::~Catalog() = default;

DbResult<std::unique_ptr<Connection>> Catalog::OpenConnection(bool writer) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path_.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close_v2(db);
    return tl::unexpected(SqliteError(rc));
  }
  auto conn = std::make_unique<Connection>(db);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  std::string pragmas = "PRAGMA foreign_keys=ON;";
  if (writer) {
    pragmas += "PRAGMA journal_mode=WAL;";
    // WAL with synchronous=NORMAL never corrupts the database on a crash; it may lose the last
    // commits on power loss. FULL also survives that, at an fsync per commit.
    pragmas += strict_ ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
  }
  if (auto status = conn->Exec(pragmas); !status) return tl::unexpected(status.error());
  return conn;
}

DbResult<std::unique_ptr<Connection>> Catalog::AcquireReader() {
  {
    std::lock_guard lock(readers_mu_);
    if (!readers_.empty()) {
      auto conn = std::move(readers_.back());
      readers_.pop_back();
      return conn;
    }
  }
  return OpenConnection(false);
}

void Catalog::ReleaseReader(std::unique_ptr<Connection> conn) {
  std::lock_guard lock(readers_mu_);
  readers_.push_back(std::move(conn));
}

DbStatus Catalog::Migrate(std::string_view module, std::span<const Migration> migrations) {
  for (const auto& migration : migrations) {
    auto applied = Write([&](Connection& db) -> DbResult<bool> {
      auto check = db.Prepare("SELECT 1 FROM schema_migrations WHERE module = ? AND version = ?");
      if (!check) return tl::unexpected(check.error());
      (*check)->BindAll(module, migration.version);
      auto row = (*check)->Step();
      if (!row) return tl::unexpected(row.error());
      if (*row) return false;
      if (auto status = db.Exec(migration.sql); !status) return tl::unexpected(status.error());
      auto record = db.Prepare(
          "INSERT INTO schema_migrations (module, version, applied_at) "
          "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
      if (!record) return tl::unexpected(record.error());
      (*record)->BindAll(module, migration.version);
      if (auto status = (*record)->Run(); !status) return tl::unexpected(status.error());
      return true;
    });
    if (!applied) {
      spdlog::error("catalog: migration {} v{} failed: {}", module, migration.version,
                    applied.error().message());
      return tl::unexpected(applied.error());
    }
    if (*applied) spdlog::debug("catalog: applied migration {} v{}", module, migration.version);
  }
  return {};
}

}  // namespace gureum::catalog
