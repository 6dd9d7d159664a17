#pragma once
// Accounts and their root access keys, kept in the catalog ("accounts" module). The default
// account 000000000000 with key test/test is seeded at first start; the config file and
// `gureum accounts add` declare more. As other local-AWS tools do, an access key id that is a
// 12-digit number, with the secret "test", acts as that account's root without any setup.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gureum/auth/credential_store.h"
#include "gureum/catalog/catalog.h"
#include "gureum/core/error.h"

namespace gureum::auth {

inline constexpr std::string_view kDefaultAccountId = "000000000000";
inline constexpr std::string_view kImplicitRootSecret = "test";

struct Account {
  std::string account_id;         // 12 digits
  std::string name;               // display name (S3 Owner DisplayName)
  std::string canonical_user_id;  // 64 hex digits (S3 Owner ID)
  std::string email;
};

struct RootKey {
  std::string access_key_id;
  std::string secret_access_key;
};

bool IsAccountId(std::string_view text);
// The canonical user id Gureum derives for an account that does not configure one.
std::string DeriveCanonicalUserId(std::string_view account_id);
Principal RootPrincipal(std::string_view account_id);

class AccountStore {
 public:
  explicit AccountStore(catalog::Catalog& catalog) : catalog_(catalog) {}

  // Creates the module's tables.
  Status Migrate();
  // Creates the account if missing and makes `key` one of its root keys (config, first start).
  // Fields left empty in `account` get defaults.
  Status Ensure(Account account, const RootKey& key);
  // Adds a new account; AlreadyExists if the id or the key is taken.
  Status Add(Account account, const RootKey& key);
  std::optional<Account> Find(std::string_view account_id);
  std::vector<Account> List();

  // Resolves root keys (stored ones, then implicit 12-digit ones).
  std::shared_ptr<CredentialProvider> RootKeyProvider();

 private:
  catalog::Catalog& catalog_;
};

}  // namespace gureum::auth
