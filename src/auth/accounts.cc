#include "auth/accounts.h"

#include <algorithm>
#include <array>

#include "gureum/core/crypto.h"
#include "gureum/core/encoding.h"

namespace gureum::auth {
namespace {

using catalog::Connection;
using catalog::DbResult;
using catalog::DbStatus;

constexpr std::array kMigrations = {
    catalog::Migration{1, R"sql(
      CREATE TABLE accounts (
        account_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        canonical_user_id TEXT NOT NULL,
        email TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
      CREATE TABLE account_root_keys (
        access_key_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(account_id) ON DELETE CASCADE,
        secret_access_key TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'Active',
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
    )sql"},
};

void FillDefaults(Account& account) {
  if (account.name.empty()) {
    account.name =
        account.account_id == kDefaultAccountId ? "gureum" : "account-" + account.account_id;
  }
  if (account.canonical_user_id.empty()) {
    account.canonical_user_id = DeriveCanonicalUserId(account.account_id);
  }
  if (account.email.empty()) account.email = account.name + "@gureum.local";
}

Account ReadAccount(catalog::Statement& s) {
  return Account{s.Text(0), s.Text(1), s.Text(2), s.Text(3)};
}

class StoredRootKeys final : public CredentialProvider {
 public:
  explicit StoredRootKeys(catalog::Catalog& catalog) : catalog_(catalog) {}

  std::optional<Credential> Lookup(std::string_view access_key_id) override {
    auto found = catalog_.Read([&](Connection& db) -> DbResult<std::optional<Credential>> {
      auto s = db.Prepare(
          "SELECT account_id, secret_access_key, status FROM account_root_keys "
          "WHERE access_key_id = ?");
      if (!s) return tl::unexpected(s.error());
      (*s)->Bind(1, access_key_id);
      auto row = (*s)->Step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) return std::optional<Credential>();
      Credential c;
      c.access_key_id = std::string(access_key_id);
      c.secret_access_key = (*s)->Text(1);
      c.active = (*s)->Text(2) == "Active";
      c.principal = RootPrincipal((*s)->Text(0));
      return std::optional<Credential>(std::move(c));
    });
    if (found && *found) return *found;
    // The local-AWS convention: a 12-digit key id with secret "test" is that account's root.
    if (IsAccountId(access_key_id)) {
      Credential c;
      c.access_key_id = std::string(access_key_id);
      c.secret_access_key = std::string(kImplicitRootSecret);
      c.principal = RootPrincipal(access_key_id);
      return c;
    }
    return std::nullopt;
  }

 private:
  catalog::Catalog& catalog_;
};

}  // namespace

bool IsAccountId(std::string_view text) {
  return text.size() == 12 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string DeriveCanonicalUserId(std::string_view account_id) {
  return Sha256Hex("gureum canonical user " + std::string(account_id));
}

Principal RootPrincipal(std::string_view account_id) {
  Principal p;
  p.type = PrincipalType::Root;
  p.account_id = std::string(account_id);
  p.arn = "arn:aws:iam::" + std::string(account_id) + ":root";
  p.user_id = std::string(account_id);
  return p;
}

Status AccountStore::Migrate() {
  auto status = catalog_.Migrate("accounts", kMigrations);
  if (!status) return Fail(catalog::ToAwsError(status.error()));
  return Ok();
}

Status AccountStore::Ensure(Account account, const RootKey& key) {
  FillDefaults(account);
  auto status = catalog_.Write([&](Connection& db) -> DbStatus {
    auto insert = db.Prepare(
        "INSERT INTO accounts (account_id, name, canonical_user_id, email) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(account_id) DO UPDATE SET name = excluded.name, "
        "canonical_user_id = excluded.canonical_user_id, email = excluded.email");
    if (!insert) return tl::unexpected(insert.error());
    (*insert)->BindAll(account.account_id, account.name, account.canonical_user_id, account.email);
    if (auto r = (*insert)->Run(); !r) return r;
    auto key_stmt = db.Prepare(
        "INSERT INTO account_root_keys (access_key_id, account_id, secret_access_key) "
        "VALUES (?, ?, ?) ON CONFLICT(access_key_id) DO UPDATE SET "
        "account_id = excluded.account_id, secret_access_key = excluded.secret_access_key, "
        "status = 'Active'");
    if (!key_stmt) return tl::unexpected(key_stmt.error());
    (*key_stmt)->BindAll(key.access_key_id, account.account_id, key.secret_access_key);
    return (*key_stmt)->Run();
  });
  if (!status) return Fail(catalog::ToAwsError(status.error()));
  return Ok();
}

Status AccountStore::Add(Account account, const RootKey& key) {
  if (!IsAccountId(account.account_id)) {
    return Fail(ErrorCode::InvalidParameterValue, "An account id is exactly 12 digits");
  }
  FillDefaults(account);
  auto status = catalog_.Write([&](Connection& db) -> DbStatus {
    auto insert = db.Prepare(
        "INSERT INTO accounts (account_id, name, canonical_user_id, email) VALUES (?, ?, ?, ?)");
    if (!insert) return tl::unexpected(insert.error());
    (*insert)->BindAll(account.account_id, account.name, account.canonical_user_id, account.email);
    if (auto r = (*insert)->Run(); !r) return r;
    auto key_stmt = db.Prepare(
        "INSERT INTO account_root_keys (access_key_id, account_id, secret_access_key) "
        "VALUES (?, ?, ?)");
    if (!key_stmt) return tl::unexpected(key_stmt.error());
    (*key_stmt)->BindAll(key.access_key_id, account.account_id, key.secret_access_key);
    return (*key_stmt)->Run();
  });
  if (!status) {
    if (catalog::IsUniqueViolation(status.error())) {
      return Fail(AwsError("EntityAlreadyExists",
                           "Account " + account.account_id + " or access key " + key.access_key_id +
                               " already exists",
                           409));
    }
    return Fail(catalog::ToAwsError(status.error()));
  }
  return Ok();
}

std::optional<Account> AccountStore::Find(std::string_view account_id) {
  auto found = catalog_.Read([&](Connection& db) -> DbResult<std::optional<Account>> {
    auto s = db.Prepare(
        "SELECT account_id, name, canonical_user_id, email FROM accounts WHERE account_id = ?");
    if (!s) return tl::unexpected(s.error());
    (*s)->Bind(1, account_id);
    auto row = (*s)->Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return std::optional<Account>();
    return std::optional<Account>(ReadAccount(**s));
  });
  if (found && *found) return *found;
  if (!IsAccountId(account_id)) return std::nullopt;
  Account implicit{std::string(account_id), "", "", ""};
  FillDefaults(implicit);
  return implicit;
}

std::vector<Account> AccountStore::List() {
  auto found = catalog_.Read([&](Connection& db) -> DbResult<std::vector<Account>> {
    auto s = db.Prepare(
        "SELECT account_id, name, canonical_user_id, email FROM accounts ORDER BY account_id");
    if (!s) return tl::unexpected(s.error());
    std::vector<Account> out;
    for (;;) {
      auto row = (*s)->Step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      out.push_back(ReadAccount(**s));
    }
    return out;
  });
  return found ? *found : std::vector<Account>();
}

std::shared_ptr<CredentialProvider> AccountStore::RootKeyProvider() {
  return std::make_shared<StoredRootKeys>(catalog_);
}

}  // namespace gureum::auth
